"""Agency settings: the administrator changes them with a reason; computations read the value in force at their
event's time (rules D7, R2, R6, P3, P6, P10 periods; the R10 copy approver). Each change is ledgered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency, User
from liuhen.agency_settings.models import AgencySetting
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.permissions import Action, Scope, scope
from liuhen.core.rules.agency_settings import BY_SETTING, COPY_APPROVER, SETTINGS, SettingSpec, with_period
from liuhen.core.rules.deadlines import DeadlineRule
from liuhen.ledger import services as ledger
from liuhen.ledger.envelope import format_at

# A change takes effect now or later, never earlier: what already ran keeps the value it ran under. The slack
# allows for a form filled in a minute before it is sent.
BACKDATING_SLACK = timedelta(minutes=5)


def administers(user: User, agency: Agency) -> bool:
    """The agency's administrator (a user of role 系统管理员 in it), or the instance's administrator, who belongs
    to no agency and sets agencies up (`liuhen init`)."""
    return (
        user.is_active
        and scope(user.role, Action.SETTINGS) != Scope.NONE
        and (user.agency_id is None or user.agency_id == agency.pk)
    )


def administered_agencies(user: User) -> list[Agency]:
    if scope(user.role, Action.SETTINGS) == Scope.NONE:
        return []
    agencies = Agency.objects.order_by("id")
    return list(agencies if user.agency_id is None else agencies.filter(pk=user.agency_id))


def value_at(agency_id: int, key: str, at: datetime) -> str:
    """The value of setting ``key`` in force for the agency at ``at``: the newest row in force by then, or the
    default the law gives."""
    row = (
        AgencySetting.objects.filter(agency_id=agency_id, key=key, effective_from__lte=at)
        .order_by("-effective_from", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return row if row is not None else BY_SETTING[key].default


def deadline_rule(rule: DeadlineRule, agency_id: int, at: datetime) -> DeadlineRule:
    """The deadline row with the agency's period in force when its trigger happened at ``at``."""
    if not rule.configurable or rule.key not in BY_SETTING:
        return rule
    return with_period(rule, value_at(agency_id, rule.key, at))


def copy_approver_role(agency_id: int, requested_at: datetime) -> str:
    """rule R10: who approves a party's copy, as the agency's setting stood when the copy was requested
    (000 第二十一条: the handling unit's head; 002 第三十四条: the agency head)."""
    return value_at(agency_id, COPY_APPROVER, requested_at)


@dataclass(frozen=True)
class InForce:
    spec: SettingSpec
    value: str
    row: AgencySetting | None  # None: the default

    @property
    def value_text(self) -> str:
        return self.spec.value_text(self.value)

    @property
    def source(self) -> str:
        for c in self.spec.choices:
            if c.value == self.value:
                return c.source
        return self.spec.source if self.row is None else f"本机关设置（{self.row.reason}）"


def in_force(agency: Agency, at: datetime | None = None) -> list[InForce]:
    """Every setting of the agency as it stands at ``at`` (now by default)."""
    at = at or timezone.now()
    rows: dict[str, AgencySetting] = {}
    for row in AgencySetting.objects.filter(agency=agency, effective_from__lte=at).order_by("effective_from", "id"):
        rows[row.key] = row
    out = []
    for s in SETTINGS:
        found = rows.get(s.key)
        out.append(InForce(s, found.value if found else s.default, found))
    return out


def history(agency: Agency) -> list[AgencySetting]:
    """Every change, newest first (the rows are never changed)."""
    return list(AgencySetting.objects.filter(agency=agency).select_related("set_by").order_by("-set_at", "-id"))


def event_body(row: AgencySetting, previous: str) -> dict[str, object]:
    """The ledger body of a change: every column of the row, and the value it replaces."""
    return {
        "id": row.pk,
        "agency_id": row.agency_id,
        "agency": row.agency.name,
        "key": row.key,
        "rule": BY_SETTING[row.key].rule_id,
        "value": row.value,
        "previous": previous,
        "reason": row.reason,
        "set_by_id": row.set_by_id,
        "set_by": row.set_by.get_username(),
        "set_at": format_at(row.set_at),
        "effective_from": format_at(row.effective_from),
    }


@transaction.atomic
def set_setting(
    *,
    actor: User,
    agency: Agency,
    key: str,
    value: object,
    reason: str,
    effective_from: datetime | None = None,
) -> AgencySetting:
    """Change one setting of an agency, in force from ``effective_from`` (now by default, never earlier)."""
    if not administers(actor, agency):
        raise Forbidden("机关设置只能由本机关的系统管理员修改")
    spec = BY_SETTING.get(key)
    if spec is None:
        raise InvalidInput(f"没有名为“{key}”的设置项；可设：{'、'.join(BY_SETTING)}")
    try:
        stored = spec.parse(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("修改机关设置须说明理由（如所依据的本机关规定）")
    now = timezone.now()
    start = effective_from or now
    if start.tzinfo is None:
        raise InvalidInput("施行时间须带时区")
    if start < now - BACKDATING_SLACK:
        raise InvalidInput("施行时间不能早于现在：已经开始计算的期限和已经提出的申请按原设置办理")
    previous = value_at(agency.pk, key, start)
    if previous == stored:
        raise InvalidInput(f"“{spec.title}”在该时间已是 {spec.value_text(stored)}，无须修改")
    row = AgencySetting.objects.create(
        agency=agency, key=key, value=stored, reason=reason[:500], set_by=actor, set_at=now, effective_from=start
    )
    ledger.append(
        actor=actor,
        action="setting.changed",
        subject_type="agency_setting",
        subject_id=row.pk,
        at=now,
        body=event_body(row, previous),
        rows=[row],
    )
    return row
