"""rule S6 (处罚法36): the limitation period of a violation, recorded at registration and checked at filing.

The day the violation happened (or, when it continued, ended) and whether it harmed life, health or financial
safety with consequences are structured fields of the case, given at registration or recorded before filing
with ``record_violation_period``. Filing (or deciding on the spot) after the period is refused with the rule.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.cases import services
from liuhen.cases.acts import FUTURE_TOLERANCE
from liuhen.cases.models import Case
from liuhen.core import periods, stages
from liuhen.core.errors import InvalidInput
from liuhen.core.stages import Fact
from liuhen.ledger import services as ledger


def parse_violation_ended(value: date | str | None, today: date) -> date | None:
    """The day the violation happened or, if it continued, ended; never a day still to come."""
    if value is None or value == "":
        return None
    try:
        ended = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"违法行为发生（终了）日期无效：{value}（应为 YYYY-MM-DD）") from None
    if ended > today:
        raise InvalidInput("违法行为发生（终了）日期不能晚于今天")
    return ended


def parse_violation_at(value: datetime | str | None, now: datetime, ended_on: date | None) -> datetime | None:
    """违法时间 as given at 案源登记 (a time, or ``YYYY-MM-DD HH:MM`` in local time): never still to come, and for a
    violation dated by ``ended_on`` (S6), not after the day it ended."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
        except ValueError:
            raise InvalidInput(f"违法时间无效：{value}（应为 YYYY-MM-DD HH:MM）") from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at, periods.LOCAL)
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput("违法时间不能晚于当前时间")
    if ended_on is not None and timezone.localtime(at).date() > ended_on:
        raise InvalidInput(
            f"违法时间（{timezone.localtime(at):%Y-%m-%d}）晚于违法行为发生（终了）日期（{ended_on:%Y-%m-%d}）"
        )
    return at


def before_filing(procedure: stages.Procedure) -> set[stages.Stage]:
    """The stages of a procedure up to the step the limitation gates (立案, 当场处罚)."""
    gated = {
        t.source for t in stages.TRANSITIONS if t.procedure == procedure and any(g.rule_id == "S6" for g in t.gates)
    }
    return {stages.INITIAL_STAGE[procedure], *gated}


def limitation_facts(case: Case, on: date) -> set[str]:
    """Fact provider: the violation is dated, and ``on`` is within its limitation period (read from the stored
    case: the value may have been recorded since this instance was loaded)."""
    ended_on, serious = Case.objects.filter(pk=case.pk).values_list("violation_ended_on", "serious_harm").get()
    if ended_on is None:
        return set()
    end = periods.limitation_end(ended_on, serious).on
    facts = {Fact.VIOLATION_DATED.value}
    if end is not None and on <= end:
        facts.add(Fact.WITHIN_LIMITATION.value)
    return facts


@transaction.atomic
def record_violation_period(
    *, actor: User, case: Case, violation_ended_on: date | str, serious_harm: bool = False, reason: str = ""
) -> Case:
    """Record, before filing, when the violation ended and whether the 5-year period applies. A value given at
    registration is changed only with a reason, and the ledger keeps the previous one."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    services.require_case_actor(actor, case)
    if case.stage_enum not in before_filing(case.procedure_enum):
        raise InvalidInput("立案（或当场作出决定）后不能再变更违法行为发生日期")
    now = timezone.now()
    ended = parse_violation_ended(violation_ended_on, timezone.localtime(now).date())
    if ended is None:
        raise InvalidInput("须填写违法行为发生（终了）日期")
    reason = (reason or "").strip()
    previous = case.violation_ended_on
    if previous is not None and not reason:
        raise InvalidInput("变更已登记的违法行为发生日期须说明理由")
    body = {
        "case_no": case.case_no,
        "violation_ended_on": ended.isoformat(),
        "serious_harm": bool(serious_harm),
        "previous": previous.isoformat() if previous else None,
        "previous_serious_harm": case.serious_harm if previous else None,
        "reason": reason,
    }
    case.violation_ended_on, case.serious_harm = ended, bool(serious_harm)
    case.save(update_fields=["violation_ended_on", "serious_harm"])
    ledger.append(
        actor=actor,
        action="case.violation_recorded",
        subject_type="case",
        subject_id=case.pk,
        case_ref=case.pk,
        at=now,
        body=body,
        rows=[case],
    )
    return case
