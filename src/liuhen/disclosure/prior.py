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
from liuhen.disclosure.models import InspectionCategory, InspectionItem, PriorDisclosure
from liuhen.ledger import services as ledger
from liuhen.ledger.models import Event

# The names the deadline table knows these by (row P4, the agency's own: no case)
CHANGED, UPDATED = "disclosure:changed", "disclosure:updated"
SECTIONS = {
    "units": "执法主体与机构",
    "officers": "执法人员及执法证",
    "inspection_items": "随机抽查事项清单",
    "procedures": "执法程序与流程",
    "remedies": "救济途径",
    "av_rules": "音像记录事项清单",
}
# Events that can change what an agency's 事前公开 is made of
SOURCE_PREFIXES = ("agency.", "unit.", "user.", "certificate.")
ITEM_SAVED, ITEM_WITHDRAWN = "disclosure.inspection_item_saved", "disclosure.inspection_item_withdrawn"
PRIOR_CHANGED, PRIOR_PUBLISHED = "disclosure.prior_changed", "disclosure.prior_published"


# --- what is published -----------------------------------------------------------------------------------


def _items(agency: Agency) -> list[dict[str, str]]:
    rows = InspectionItem.objects.filter(agency=agency, in_force=True).select_related("unit").order_by("category", "id")
    return [
        {
            "id": str(i.pk),
            "category": InspectionCategory(i.category).label,
            "name": i.name,
            "target": i.target,
            "method": i.method,
            "basis": i.basis,
            "unit": i.unit.name if i.unit else agency.name,
            "frequency": i.frequency,
        }
        for i in rows
    ]


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
        "inspection_items": _items(agency),
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
    if kind == "inspection_item":
        return InspectionItem.objects.filter(pk=pk).values_list("agency_id", flat=True).first()
    return None


def on_ledger_event(event: Event, body: dict[str, Any]) -> None:
    """Ledger subscriber: a change of the accounts or of the 抽查 list may change a published 事前公开 (P4)."""
    if not (event.action.startswith(SOURCE_PREFIXES) or event.action in (ITEM_SAVED, ITEM_WITHDRAWN)):
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


FIELDS = {
    "name": ("抽查事项", 200),
    "target": ("检查对象", 200),
    "method": ("检查方式", 100),
    "basis": ("检查依据", 2000),
    "frequency": ("抽查比例和频次", 100),
}
REQUIRED = ("name", "target", "method", "basis")


def save_item(
    *, actor: User, agency: Agency, values: dict[str, Any], item: InspectionItem | None = None
) -> InspectionItem:
    """Add a line to the agency's 随机抽查事项清单, or change one (rule P1). Recorded; the portal shows it once the
    事前公开 is published again (P4, P11)."""
    _may_keep(actor, agency, "P1")
    clean = {k: str(values.get(k) or "").strip() for k in FIELDS}
    missing = [FIELDS[k][0] for k in REQUIRED if not clean[k]]
    if missing:
        raise InvalidInput(f"请填写：{'、'.join(missing)}")
    too_long = [f"{label}不超过{n}字" for k, (label, n) in FIELDS.items() if len(clean[k]) > n]
    if too_long:
        raise InvalidInput("；".join(too_long))
    category = str(values.get("category") or InspectionCategory.GENERAL)
    if category not in InspectionCategory.values:
        category = next((v for v, label in InspectionCategory.choices if label == category), "")
    if not category:
        raise InvalidInput(f"事项类别须为：{'、'.join(InspectionCategory.labels)}")
    unit = None
    raw_unit = str(values.get("unit") or "").strip()
    if raw_unit:
        unit = Unit.objects.filter(pk=int(raw_unit) if raw_unit.isdigit() else 0, agency=agency).first()
        if unit is None:
            raise InvalidInput("实施单位须为本机关的单位")
    with transaction.atomic():
        if item is None:
            item = InspectionItem(agency=agency)
        else:
            item = InspectionItem.objects.select_for_update().get(pk=item.pk, agency=agency)
            if not item.in_force:
                raise InvalidInput("该事项已撤销，不能修改")
        for k, v in clean.items():
            setattr(item, k, v)
        item.category, item.unit, item.saved_by, item.saved_at = category, unit, actor, timezone.now()
        item.save()
        ledger.append(
            actor=actor,
            action=ITEM_SAVED,
            subject_type="inspection_item",
            subject_id=item.pk,
            body={"agency": agency.pk, "name": item.name},
            rows=[item],
        )
    return item


def withdraw_item(*, actor: User, item: InspectionItem, reason: str) -> InspectionItem:
    """Take a line off the list, with why (kept, never deleted)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写撤销该抽查事项的理由")
    if len(reason) > 300:
        raise InvalidInput("理由不超过300字")
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().select_related("agency").get(pk=item.pk)
        _may_keep(actor, item.agency, "P1")
        if not item.in_force:
            raise InvalidInput("该事项已撤销")
        item.in_force, item.withdrawn_reason = False, reason
        item.saved_by, item.saved_at = actor, timezone.now()
        item.save()
        ledger.append(
            actor=actor,
            action=ITEM_WITHDRAWN,
            subject_type="inspection_item",
            subject_id=item.pk,
            body={"agency": item.agency_id, "name": item.name},
            rows=[item],
        )
    return item


# --- publication ----------------------------------------------------------------------------------------


def kept_since_published(actor: User, agency: Agency, before: PriorDisclosure | None) -> bool:
    """Whether ``actor`` changed the 抽查 list since the published version (then another head reviews, P11)."""
    edits = InspectionItem.objects.filter(agency=agency, saved_by=actor)
    if before is not None:
        edits = edits.filter(saved_at__gt=before.published_at)
    return edits.exists()


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
            raise RuleViolation("P11", rule("P11").source, "发布审核须由维护抽查事项清单的人以外的负责人进行")
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
