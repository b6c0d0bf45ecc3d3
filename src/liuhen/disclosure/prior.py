"""事前公开 (rules P1, P4, P11): what an agency publishes before it acts, kept as reviewed versions.

The portal shows the agency's latest published version, never the live tables: its units, its officers with their
certificates (from the accounts), its 随机抽查事项清单 (kept here as data), the procedures, the remedies and the
AV-recorded activities (from the code's tables). Once a version is published, any change of the data it is made
from (an officer, a certificate, a unit, a line of the 抽查 list, a new release's tables) is recorded as a
``disclosure.prior_changed`` event of the agency, which opens its P4 row (20 working days, an agency's own period
that belongs to no case); the next version, reviewed and published by someone who made none of the list's changes
(P11), meets it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency, Certificate, CertificateStatus, Unit, User
from liuhen.cases.access import allowed
from liuhen.core import canonical
from liuhen.core.errors import InvalidInput, RuleViolation
from liuhen.core.permissions import Action
from liuhen.core.rules import rule
from liuhen.deadlines.models import Deadline, DeadlineStatus
from liuhen.disclosure import queries
from liuhen.disclosure.models import (
    InspectionCategory,
    InspectionItem,
    PowerItem,
    PowerType,
    PriorDisclosure,
    ServiceGuide,
)
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event

# The names the deadline table knows these by (row P4, the agency's own: no case)
CHANGED, UPDATED = "disclosure:changed", "disclosure:updated"
SECTIONS = {
    "units": "执法主体与机构",
    "officers": "执法人员及执法证",
    "powers": "权责清单",
    "service_guides": "服务指南",
    "inspection_items": "随机抽查事项清单",
    "procedures": "执法程序与流程",
    "remedies": "救济途径",
    "av_rules": "音像记录事项清单",
}
PRIOR_CHANGED, PRIOR_PUBLISHED = "disclosure.prior_changed", "disclosure.prior_published"


@dataclass(frozen=True)
class KeptList:
    """A list the agency keeps for its 事前公开 (rule P1): its rows' model, their columns in words (with the longest
    text each takes), which must be filled, and the kinds its first column chooses from (if any)."""

    key: str  # the section of the published content, and the form's ``list``
    kind: str  # the subject type of its events: disclosure.<kind>_saved, disclosure.<kind>_withdrawn
    model: Any
    title: str
    noun: str
    fields: dict[str, tuple[str, int]]
    required: tuple[str, ...]
    category: tuple[str, Any] | None  # (its label, its TextChoices)
    unit_label: str

    @property
    def saved(self) -> str:
        return f"disclosure.{self.kind}_saved"

    @property
    def withdrawn(self) -> str:
        return f"disclosure.{self.kind}_withdrawn"


LISTS = {
    k.key: k
    for k in (
        KeptList(
            "powers",
            "power_item",
            PowerItem,
            "权责清单",
            "职权事项",
            {
                "name": ("职权名称", 200),
                "basis": ("设定依据", 2000),
                "duties": ("责任事项", 2000),
                "accountability": ("追责情形", 2000),
            },
            ("name", "basis", "duties"),
            ("职权类型", PowerType),
            "实施单位",
        ),
        KeptList(
            "service_guides",
            "service_guide",
            ServiceGuide,
            "服务指南",
            "服务指南",
            {
                "name": ("事项名称", 200),
                "approver": ("审批机构", 100),
                "conditions": ("受理条件", 2000),
                "materials": ("申请材料", 2000),
                "time_limit": ("办理时限", 100),
                "basis": ("办理依据", 2000),
            },
            ("name", "approver", "conditions", "time_limit"),
            None,
            "受理机构",
        ),
        KeptList(
            "inspection_items",
            "inspection_item",
            InspectionItem,
            "随机抽查事项清单",
            "抽查事项",
            {
                "name": ("抽查事项", 200),
                "target": ("检查对象", 200),
                "method": ("检查方式", 100),
                "frequency": ("抽查比例和频次", 100),
                "basis": ("检查依据", 2000),
            },
            ("name", "target", "method", "basis"),
            ("事项类别", InspectionCategory),
            "实施单位",
        ),
    )
}
BY_KIND = {k.kind: k for k in LISTS.values()}
BY_MODEL = {k.model: k for k in LISTS.values()}
# Events that can change what an agency's 事前公开 is made of
SOURCE_PREFIXES = ("agency.", "unit.", "user.", "certificate.")
LIST_EVENTS = frozenset(a for k in LISTS.values() for a in (k.saved, k.withdrawn))
ITEM_SAVED, ITEM_WITHDRAWN = LISTS["inspection_items"].saved, LISTS["inspection_items"].withdrawn


# --- what is published -----------------------------------------------------------------------------------


def _rows(agency: Agency, kept: KeptList) -> list[dict[str, str]]:
    """A kept list's lines in force, as the portal shows them (the kinds and units in words)."""
    order = ("category", "id") if kept.category else ("id",)
    rows = kept.model.objects.filter(agency=agency, in_force=True).select_related("unit").order_by(*order)
    out = []
    for i in rows:
        row = {
            "id": str(i.pk),
            **{f: getattr(i, f) for f in kept.fields},
            "unit": i.unit.name if i.unit else agency.name,
        }
        if kept.category:
            row["category"] = str(kept.category[1](i.category).label)
        out.append(row)
    return out


def _officers(agency: Agency) -> list[dict[str, str]]:
    """Officers and their certificates as the accounts hold them (处罚法39); whether a certificate is valid on the
    day a reader looks is worked out when the page is shown, from the dates and the status published here."""
    rows = (
        Certificate.objects.filter(user__agency=agency, user__is_active=True)
        .select_related("user", "user__unit")
        .order_by("user__unit__name", "user__full_name", "certificate_no")
    )
    return [
        {
            "name": c.user.full_name or c.user.username,
            "unit": c.user.unit.name if c.user.unit else "",
            "certificate_no": c.certificate_no,
            "valid_from": c.valid_from.isoformat(),
            "valid_to": c.valid_to.isoformat(),
            "status": c.status,
        }
        for c in rows
    ]


def current(agency: Agency) -> dict[str, Any]:
    """The agency's 事前公开 as its data stands now."""
    return {
        "agency": agency.name,
        "units": [
            {"name": u.name, "legal": u.is_legal_unit} for u in Unit.objects.filter(agency=agency).order_by("name")
        ],
        "officers": _officers(agency),
        **{key: _rows(agency, kept) for key, kept in LISTS.items()},
        "procedures": queries.procedures(),
        "remedies": queries.remedies(),
        "av_rules": queries.av_list(),
    }


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical.dumps(content)).hexdigest()


def latest(agency: Agency | int) -> PriorDisclosure | None:
    return PriorDisclosure.objects.filter(agency=agency).order_by("-version").first()


def changed_sections(agency: Agency, published: PriorDisclosure | None = None) -> list[str]:
    """The sections that differ from the published version, in words (all of them before the first)."""
    published = published or latest(agency)
    now = current(agency)
    if published is None:
        return list(SECTIONS.values())
    before = json.loads(published.content)
    return [label for key, label in SECTIONS.items() if before.get(key) != now.get(key)]


def officer_state(o: dict[str, str], today: date) -> str:
    if o["status"] != CertificateStatus.ACTIVE:
        return str(CertificateStatus(o["status"]).label)
    return "有效" if o["valid_from"] <= today.isoformat() <= o["valid_to"] else "不在有效期内"


def update_row(agency: Agency | int) -> Deadline | None:
    """The agency's open P4 row of its 事前公开, if a change waits to be published."""
    return (
        Deadline.objects.filter(case__isnull=True, agency=agency, rule_key="P4", status=DeadlineStatus.OPEN)
        .order_by("-started_at")
        .first()
    )


# --- noticing a change ----------------------------------------------------------------------------------


def notice_change(agency: Agency, actor: Any = None) -> Event | None:
    """A published 事前公开 whose data changed: the change is recorded (once, until the update is published), and
    the P4 period runs from it. Nothing before the first publication: there is nothing to update yet (P1)."""
    published = latest(agency)
    if published is None or update_row(agency) is not None:
        return None
    sections = changed_sections(agency, published)
    if not sections:
        return None
    return ledger.append(
        actor=actor or ledger.SYSTEM,
        action=PRIOR_CHANGED,
        subject_type="agency",
        subject_id=agency.pk,
        body={
            "agency": agency.pk,
            "sections": sections,
            "published_version": published.version,
            "deadline_events": [CHANGED],
            "deadline_subject": "prior",
        },
    )


def _agency_of(event: Event, body: dict[str, Any]) -> int | None:
    """The agency whose data an accounts event or a 抽查 list event changed."""
    kind, pk = event.subject_type, event.subject_id
    if not str(pk).isdigit():
        return None
    if kind == "agency":
        return int(pk)
    if kind == "unit":
        return Unit.objects.filter(pk=pk).values_list("agency_id", flat=True).first()
    if kind == "user":
        return User.objects.filter(pk=pk).values_list("agency_id", flat=True).first()
    if kind == "certificate":
        return Certificate.objects.filter(pk=pk).values_list("user__agency_id", flat=True).first()
    if kind in BY_KIND:
        return BY_KIND[kind].model.objects.filter(pk=pk).values_list("agency_id", flat=True).first()
    return None


def on_ledger_event(event: Event, body: dict[str, Any]) -> None:
    """Ledger subscriber: a change of the accounts or of the 抽查 list may change a published 事前公开 (P4)."""
    if not (event.action.startswith(SOURCE_PREFIXES) or event.action in LIST_EVENTS):
        return
    if event.action == "user.password_changed":
        return
    agency_id = _agency_of(event, body)
    if agency_id is None or not PriorDisclosure.objects.filter(agency_id=agency_id).exists():
        return
    agency = Agency.objects.get(pk=agency_id)
    actor = User.objects.filter(pk=event.actor_id).first() if event.actor_id else None
    notice_change(agency, actor)


def notice_all() -> int:
    """The scheduled check: a new release's tables (procedures, the AV list) or a certificate changed outside the
    accounts' commands count as changes too."""
    n = 0
    for agency in Agency.objects.filter(prior_disclosures__isnull=False).distinct().order_by("id"):
        with transaction.atomic():
            n += notice_change(agency) is not None
    return n


# --- the 随机抽查事项清单 ---------------------------------------------------------------------------------


def _may_keep(actor: User, agency: Agency, rule_id: str) -> None:
    if actor.agency_id != agency.pk or not allowed(actor, Action.APPROVE):
        raise RuleViolation(rule_id, rule(rule_id).source, "只有本机关的负责人（承办机构负责人、机关负责人）可以维护")


def save_item(
    *, actor: User, agency: Agency, values: dict[str, Any], item: Any = None, kept: str = "inspection_items"
) -> Any:
    """Add a line to one of the agency's kept lists (随机抽查事项清单, 权责清单, 服务指南: rule P1), or change one.
    Recorded; the portal shows it once the 事前公开 is published again (P4, P11)."""
    spec = LISTS.get(kept)
    if spec is None:
        raise InvalidInput(f"没有该清单；可选：{'、'.join(k.title for k in LISTS.values())}")
    _may_keep(actor, agency, "P1")
    clean = {k: str(values.get(k) or "").strip() for k in spec.fields}
    missing = [spec.fields[k][0] for k in spec.required if not clean[k]]
    if missing:
        raise InvalidInput(f"请填写：{'、'.join(missing)}")
    too_long = [f"{label}不超过{n}字" for k, (label, n) in spec.fields.items() if len(clean[k]) > n]
    if too_long:
        raise InvalidInput("；".join(too_long))
    category = ""
    if spec.category:
        label, choices = spec.category
        category = str(values.get("category") or choices.values[0])
        if category not in choices.values:
            category = next((v for v, text in choices.choices if text == category), "")
        if not category:
            raise InvalidInput(f"{label}须为：{'、'.join(choices.labels)}")
    unit = None
    raw_unit = str(values.get("unit") or "").strip()
    if raw_unit:
        unit = Unit.objects.filter(pk=int(raw_unit) if raw_unit.isdigit() else 0, agency=agency).first()
        if unit is None:
            raise InvalidInput(f"{spec.unit_label}须为本机关的单位")
    with transaction.atomic():
        if item is None:
            item = spec.model(agency=agency)
        else:
            item = spec.model.objects.select_for_update().get(pk=item.pk, agency=agency)
            if not item.in_force:
                raise InvalidInput(f"该{spec.noun}已撤销，不能修改")
        for k, v in clean.items():
            setattr(item, k, v)
        if spec.category:
            item.category = category
        item.unit, item.saved_by, item.saved_at = unit, actor, timezone.now()
        item.save()
        ledger.append(
            actor=actor,
            action=spec.saved,
            subject_type=spec.kind,
            subject_id=item.pk,
            body={"agency": agency.pk, "name": item.name},
            rows=[item],
        )
    return item


def withdraw_item(*, actor: User, item: Any, reason: str) -> Any:
    """Take a line off its list, with why (kept, never deleted)."""
    spec = BY_MODEL[type(item)]
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"请填写撤销该{spec.noun}的理由")
    if len(reason) > 300:
        raise InvalidInput("理由不超过300字")
    with transaction.atomic():
        item = spec.model.objects.select_for_update().select_related("agency").get(pk=item.pk)
        _may_keep(actor, item.agency, "P1")
        if not item.in_force:
            raise InvalidInput(f"该{spec.noun}已撤销")
        item.in_force, item.withdrawn_reason = False, reason
        item.saved_by, item.saved_at = actor, timezone.now()
        item.save()
        ledger.append(
            actor=actor,
            action=spec.withdrawn,
            subject_type=spec.kind,
            subject_id=item.pk,
            body={"agency": item.agency_id, "name": item.name},
            rows=[item],
        )
    return item


# --- publication ----------------------------------------------------------------------------------------


def kept_since_published(actor: User, agency: Agency, before: PriorDisclosure | None) -> bool:
    """Whether ``actor`` changed one of the kept lists since the published version (then another head reviews,
    P11)."""
    for spec in LISTS.values():
        edits = spec.model.objects.filter(agency=agency, saved_by=actor)
        if before is not None:
            edits = edits.filter(saved_at__gt=before.published_at)
        if edits.exists():
            return True
    return False


def publish(*, actor: User, agency: Agency) -> PriorDisclosure:
    """发布审核 of the agency's 事前公开 (rules P1, P4, P11): its data as it stands becomes the published version,
    which meets the open P4 period. Not by whoever changed the 抽查 list since the last version."""
    _may_keep(actor, agency, "P11")
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        before = latest(agency)
        content = current(agency)
        sha = digest(content)
        if before is not None and before.content_sha256 == sha:
            raise InvalidInput("事前公开信息与已发布的版本相同，无须发布")
        old = json.loads(before.content) if before else {}
        sections = [label for key, label in SECTIONS.items() if old.get(key) != content.get(key)]
        if kept_since_published(actor, agency, before):
            raise RuleViolation("P11", rule("P11").source, "发布审核须由维护清单的人以外的负责人进行")
        row = PriorDisclosure.objects.create(
            agency=agency,
            version=(before.version + 1) if before else 1,
            content=canonical.dumps(content).decode(),
            content_sha256=sha,
            published_by=actor,
            published_at=timezone.now(),
        )
        ledger.append(
            actor=actor,
            action=PRIOR_PUBLISHED,
            subject_type="prior_disclosure",
            subject_id=row.pk,
            body={
                "agency": agency.pk,
                "version": row.version,
                "sections": sections,
                "deadline_events": [UPDATED],
                "deadline_subject": "prior",
            },
            rows=[row],
        )
    return row
