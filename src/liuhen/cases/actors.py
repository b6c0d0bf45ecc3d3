"""Who may act on a case: the agency's own people, and of them the case's officers, its unit's head, the leaders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liuhen.accounts.models import Role, User
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden


def require_agency_member(actor: User, agency_id: int) -> None:
    if actor.agency_id is None or actor.agency_id != agency_id:
        raise Forbidden("不能操作其他机关的案件")


def require_case_actor(actor: User, case: Case) -> None:
    """Officers assigned to the case, the handling unit's head, and the agency's leaders act on a case (the system
    administrator is none of them: separation of duties)."""
    require_agency_member(actor, case.agency_id)
    if actor.role == Role.LEADER:
        return
    if actor.role == Role.UNIT_HEAD and actor.unit_id == case.unit_id:
        return
    if case.officers.filter(user=actor).exists():
        return
    raise Forbidden("只有本案承办人员、承办机构负责人或机关负责人可以办理此事项")


def case_body(case: Case, **extra: Any) -> dict[str, Any]:
    return {"case_no": case.case_no, **extra}


def ledger_time(at: datetime) -> str:
    from liuhen.ledger.envelope import format_at

    return format_at(at)
