"""Who may read a ledger event's body (rules R9, R11).

An event's body says what was recorded: party names, act notes, approval opinions, the reason of a
confidentiality mark, the purpose of a 调阅, who read what. It is a record of its case, so it is read under the
same table as the case's other records: ``record_read`` on the case (an approved 调阅 request included), and the
confidentiality marks of the case and of the document or recording the event is about. Outside one's agency
(and the agencies one oversees) the event is not there (404); inside it, outside one's rights, it is refused
(403).

An event of no case belongs to whatever it is about: a person's account, a unit, a device, an unlinked
recording, the calendar. Each kind names the agency, unit and person it belongs to and the action of the
permission table that reads it. What nothing here claims is for the system administrator alone.

Checkpoints, proofs and leaf hashes reveal no body and stay open to every signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from liuhen.accounts.models import ApiToken, Certificate, Role, Unit, User
from liuhen.cases.access import AccessApprovalRequired, allowed, check_record, relation, subordinate_agencies
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden, NotFound
from liuhen.core.permissions import Action, Scope, covers, scope
from liuhen.ledger.models import Event
from liuhen.media.models import Device
from liuhen.media.queries import get_recording


@dataclass(frozen=True)
class Owner:
    """Whom a case-less event belongs to; ``agency_id`` None: the whole instance (the calendar)."""

    agency_id: int | None
    action: Action
    unit_id: int | None = None
    user_id: int | None = None


def _user_owner(user: User | None) -> Owner | None:
    if user is None:
        return None
    return Owner(user.agency_id, Action.RECORD_READ, user.unit_id, user.pk)


def _user(sid: int) -> Owner | None:
    return _user_owner(User.objects.filter(pk=sid).first())


def _certificate(sid: int) -> Owner | None:
    cert = Certificate.objects.select_related("user").filter(pk=sid).first()
    return _user_owner(cert.user if cert else None)


def _token(sid: int) -> Owner | None:
    token = ApiToken.objects.select_related("user").filter(pk=sid).first()
    return _user_owner(token.user if token else None)


def _agency(sid: int) -> Owner | None:
    return Owner(sid, Action.REFERENCE)


def _unit(sid: int) -> Owner | None:
    unit = Unit.objects.filter(pk=sid).first()
    return Owner(unit.agency_id, Action.REFERENCE, unit.pk) if unit else None


def _device(sid: int) -> Owner | None:
    device = Device.objects.filter(pk=sid).first()
    return Owner(device.agency_id, Action.DEVICE, device.unit_id, device.officer_id) if device else None


def _calendar(sid: int) -> Owner | None:
    return Owner(None, Action.REFERENCE)


# subject type (as events and the admin's change events name it) -> its owner
OWNERS: dict[str, Callable[[int], Owner | None]] = {
    "user": _user,
    "certificate": _certificate,
    "api_token": _token,
    "apitoken": _token,
    "agency": _agency,
    "unit": _unit,
    "device": _device,
    "calendar_import": _calendar,
}

_GONE = "账本中没有第 {seq} 号事件，或无权查看"
_SUBJECT_RECORDS = {"document", "recording"}  # kinds a confidentiality mark can hold (R11)


def _int(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _case_event(user: User, event: Event) -> Case:
    if user.role == Role.ADMIN:  # separation of duties: the administrator sees no case content
        raise Forbidden(f"账本事件 #{event.seq} 属于案件记录，系统管理员无权查阅案件内容")
    case = Case.objects.select_related("agency", "unit").filter(pk=event.case_ref or 0).first()
    if case is None or relation(user, case) is None:
        raise NotFound(_GONE.format(seq=event.seq))  # another agency's case: not there for this user
    if not allowed(user, Action.RECORD_READ, case):
        raise AccessApprovalRequired(case)  # rule R9: the agency's case outside one's scope needs a 调阅
    check_record(user, case, "case", case.pk)  # rule R11: a marked case, or a marked record of it
    sid = _int(event.subject_id)
    if event.subject_type in _SUBJECT_RECORDS and sid is not None:
        check_record(user, case, event.subject_type, sid)
    return case


def _relation(user: User, owner: Owner) -> Scope | None:
    if owner.user_id is not None and owner.user_id == user.pk:
        return Scope.OWN
    if owner.agency_id is None:
        return Scope.AGENCY  # the instance's own reference data: every agency's
    if user.agency_id is None:
        return None
    if owner.agency_id == user.agency_id:
        return Scope.UNIT if owner.unit_id is not None and owner.unit_id == user.unit_id else Scope.AGENCY
    if owner.agency_id in subordinate_agencies(user.agency_id):
        return Scope.OVERSIGHT
    return None


def _caseless_event(user: User, event: Event) -> None:
    sid = _int(event.subject_id)
    if event.subject_type == "recording" and sid is not None:
        get_recording(user, sid)  # the recording's own visibility: its case's, or the agency's unlinked ones
        return
    resolve = OWNERS.get(event.subject_type)
    owner = resolve(sid) if resolve is not None and sid is not None else None
    if owner is None:
        if user.role == Role.ADMIN:  # the instance's own housekeeping: keys, checkpoints, settings of no agency
            return
        raise Forbidden(f"账本事件 #{event.seq} 不属于任何案件或本机关的对象，只有系统管理员可以查阅其内容")
    needed = _relation(user, owner)
    if needed is None:
        raise NotFound(_GONE.format(seq=event.seq))
    if needed != Scope.OWN and not covers(scope(user.role, owner.action), needed):
        raise Forbidden(f"无权查阅账本事件 #{event.seq} 的内容（{user.get_role_display()}，R9）")


def readable_event(user: User, seq: int) -> tuple[Event, Case | None]:
    """The event, and its case, if ``user`` may read its body; NotFound (another agency) or Forbidden otherwise."""
    event = Event.objects.filter(seq=seq).first()
    if event is None:
        raise NotFound(_GONE.format(seq=seq))
    if event.case_ref is not None:
        return event, _case_event(user, event)
    _caseless_event(user, event)
    return event, None
