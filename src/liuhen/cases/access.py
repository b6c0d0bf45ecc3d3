"""Who may do what to which case, from the one permission table (rules R9–R11)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from liuhen.accounts.models import Agency, User
from liuhen.cases.models import AccessRequest, AccessRequestStatus, Case
from liuhen.core.errors import Forbidden, NotFound
from liuhen.core.permissions import Action, Scope, covers, scope


def subordinate_agencies(agency_id: int) -> list[int]:
    """The agency and every agency below it (superior-agency oversight, R9)."""
    ids, frontier = [agency_id], [agency_id]
    while frontier:
        frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids += frontier
    return ids


def relation(user: User, case: Case) -> Scope | None:
    """The narrowest scope that holds this case for this user; None when it is outside all of them."""
    if case.officers.filter(user=user).exists():
        return Scope.OWN
    if user.unit_id is not None and case.unit_id == user.unit_id:
        return Scope.UNIT
    if case.agency_id == user.agency_id:
        return Scope.AGENCY
    if user.agency_id is not None and case.agency_id in subordinate_agencies(user.agency_id):
        return Scope.OVERSIGHT
    return None


def relation_to_unit(user: User, unit_id: int | None, agency_id: int | None, *, own: bool = False) -> Scope | None:
    """How a record held by a unit rather than a case (a case being registered, an unlinked recording) stands to a
    user: their own (``own``), their unit's, their agency's, below it, or outside them all."""
    if own:
        return Scope.OWN
    if user.unit_id is not None and unit_id == user.unit_id:
        return Scope.UNIT
    if agency_id is not None and agency_id == user.agency_id:
        return Scope.AGENCY
    if user.agency_id is not None and agency_id in subordinate_agencies(user.agency_id):
        return Scope.OVERSIGHT
    return None


def allowed_in_unit(
    user: User, action: Action, unit_id: int | None, agency_id: int | None, *, own: bool = False
) -> bool:
    """The permission table's answer for a record held by a unit (rules R9, R11): the role's scope for the action
    must reach the unit (an officer: his own unit; a leader: the agency)."""
    rel = relation_to_unit(user, unit_id, agency_id, own=own)
    return rel is not None and covers(scope(user.role, action), rel)


# what an approved access request opens (R9): seeing the case and reading its records, nothing more
GRANTED_ACTIONS = {Action.CASE_VIEW, Action.RECORD_READ}


def active_grant(user: User, case: Case) -> AccessRequest | None:
    """The user's approved, unexpired access request for this case (R9)."""
    return (
        AccessRequest.objects.filter(
            requested_by=user, case=case, status=AccessRequestStatus.APPROVED, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def granted_case_ids(user: User) -> QuerySet[AccessRequest, int]:
    return AccessRequest.objects.filter(
        requested_by=user, status=AccessRequestStatus.APPROVED, expires_at__gt=timezone.now()
    ).values_list("case_id", flat=True)


def allowed(user: User, action: Action, case: Case | None = None) -> bool:
    """The table's answer for every role alike: the system administrator has no shortcut (separation of duties)."""
    if case is None:
        return scope(user.role, action) != Scope.NONE
    return allowed_at(user, action, case, relation(user, case))


def allowed_at(user: User, action: Action, case: Case, needed: Scope | None) -> bool:
    """``allowed`` once the user's relation to the case is known."""
    if needed is None:
        return False
    if covers(scope(user.role, action), needed):
        return True
    return action in GRANTED_ACTIONS and active_grant(user, case) is not None


def require(user: User, action: Action, case: Case | None = None) -> None:
    if not allowed(user, action, case):
        raise Forbidden(f"无权办理（{user.get_role_display()}：{ACTION_LABELS[action]}）；调阅须经批准并登记（R9）")


ACTION_LABELS = {
    Action.SELF: "本人账户",
    Action.CASE_VIEW: "查看案件",
    Action.CASE_CREATE: "登记案件",
    Action.CASE_WORK: "办理案件",
    Action.APPROVE: "审核、批准",
    Action.RECORD_READ: "查阅文书和音像",
    Action.ACCESS_REQUEST: "申请调阅",
    Action.CONFIDENTIAL: "查阅涉密内容",
    Action.COPY_REQUEST: "申请复制",
    Action.COPY_DECIDE: "审批复制",
    Action.MEDIA_UPLOAD: "上传音像",
    Action.DEVICE: "设备管理",
    Action.LEDGER: "账本与证明",
    Action.LEDGER_SIGN: "签发检查点",
    Action.REFERENCE: "目录与日历",
    Action.SETTINGS: "修改机关设置",
    Action.SUPERVISE: "监督（评查、抽查、问题登记、过错追究、统计）",
    Action.REVIEW: "评查记分",
}


def _scope_q(user: User, action: Action) -> Q:
    """The table's scope for this action as a filter on cases (for a user of an agency)."""
    granted = scope(user.role, action)
    if granted == Scope.NONE:
        return Q(pk__in=[])
    if granted == Scope.OWN:
        return Q(pk__in=Case.objects.filter(officers__user=user).values("pk"))
    if granted == Scope.UNIT:
        return Q(unit_id=user.unit_id) | Q(pk__in=Case.objects.filter(officers__user=user).values("pk"))
    if granted == Scope.AGENCY or user.agency_id is None:
        return Q(agency_id=user.agency_id)
    return Q(agency_id__in=subordinate_agencies(user.agency_id))


def within_scope(user: User, action: Action, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases the table's scope for the action covers: one query, whatever their number (the same
    answer as ``allowed`` case by case, without grants)."""
    ids = set(case_ids)
    if not ids or user.agency_id is None:
        return set()
    return set(Case.objects.filter(_scope_q(user, action), pk__in=ids).values_list("pk", flat=True))


def cases_in_scope(user: User, action: Action) -> QuerySet[Case]:
    qs = Case.objects.select_related("agency", "unit")
    if user.agency_id is None:
        return qs.none()
    where = _scope_q(user, action)
    if action in GRANTED_ACTIONS:
        where |= Q(pk__in=granted_case_ids(user))
    qs = qs.filter(where)
    hidden = hidden_records(user, "case")
    return qs.exclude(pk__in=hidden) if hidden else qs


RecordGuard = Callable[[User, Case, str, int], None]
RecordHider = Callable[[User, str], set[int]]
_GUARDS: list[RecordGuard] = []
_HIDERS: list[RecordHider] = []


def add_guard(guard: RecordGuard, hider: RecordHider | None = None) -> None:
    """Other apps add refusals for marked items (R11) without cases importing them: ``guard`` refuses one
    record, ``hider`` names the cases, documents or recordings a user's lists leave out."""
    if guard not in _GUARDS:
        _GUARDS.append(guard)
    if hider is not None and hider not in _HIDERS:
        _HIDERS.append(hider)


def hidden_records(user: User, subject_type: str) -> set[int]:
    """Ids of the records of this type that are marked and not for this user (R11)."""
    return {sid for hide in _HIDERS for sid in hide(user, subject_type)}


def check_record(user: User, case: Case, subject_type: str, subject_id: int) -> None:
    for guard in _GUARDS:
        guard(user, case, subject_type, subject_id)


class AccessApprovalRequired(Forbidden):
    """A case of one's agency outside one's scope: it can be read once a access request is approved (R9)."""

    def __init__(self, case: Case) -> None:
        super().__init__("该案件不在您的查看范围内；调阅须提出申请，经批准并登记（R9）")
        self.case = case


def get_viewable(user: User, case_id: int) -> Case:
    """A case the user may see: 404 when it is not there for them at all, 403 when it is their agency's but
    outside their scope (an officer of another unit: the case exists, reading it needs approval, R9)."""
    return viewable(user, case_id)[0]


def viewable(user: User, case_id: int) -> tuple[Case, Scope]:
    """``get_viewable`` with the user's relation to the case, looked up once for a page that asks again (what
    the user may do there, the basis of the read it registers)."""
    case = Case.objects.select_related("agency", "unit").filter(pk=case_id).first()
    rel = relation(user, case) if case is not None else None
    if case is None or rel is None:
        raise NotFound("案件不存在或无权查看")
    if not allowed_at(user, Action.CASE_VIEW, case, rel):
        raise AccessApprovalRequired(case)
    check_record(user, case, "case", case.pk)
    return case, rel


OWN_PURPOSE = "承办本案"
PURPOSE_SESSION_KEY = "liuhen_access_purpose"


class PurposeRequired(Forbidden):
    """Reading a case one does not handle needs a stated purpose first (R9: 调阅须登记)."""


# Reading within one's own duty is still registered, with the duty as its purpose: the case's officers,
# the handling unit's head, the agency's leaders, the archivist. Anyone else states why (R9).
DUTY_PURPOSES: dict[tuple[str, Scope], str] = {
    ("unit_head", Scope.UNIT): "本单位案件管理",
    ("leader", Scope.UNIT): "机关负责人审批、管理",
    ("leader", Scope.AGENCY): "机关负责人审批、管理",
    ("archivist", Scope.UNIT): "档案管理",
    ("archivist", Scope.AGENCY): "档案管理",
}


@dataclass(frozen=True)
class ReadPurpose:
    """Why a read is registered: ``basis`` is the duty or grant it rests on (or, with neither, the purpose stated);
    ``stated`` is a purpose given beside a duty or grant, kept and never put in its place (R9)."""

    basis: str
    stated: str = ""


UNKNOWN_RELATION: object = object()  # "not looked up yet" (None is a relation: outside every scope)


def read_basis(user: User, case: Case, rel: Scope | object | None = UNKNOWN_RELATION) -> str | None:
    """The duty or approved 调阅 a read of this case rests on, or None when a purpose must be stated (R9);
    ``rel``: the user's relation to the case when the caller has it already."""
    if rel is UNKNOWN_RELATION:
        rel = relation(user, case)
    if rel == Scope.OWN:
        return OWN_PURPOSE
    duty = DUTY_PURPOSES.get((user.role, rel)) if isinstance(rel, Scope) else None
    if duty:
        return duty
    grant = active_grant(user, case) if rel is not None else None
    if grant is not None:
        return f"经批准调阅：{grant.purpose}"[:200]
    return None


def purpose_for(
    user: User, case: Case, stated: str | None, rel: Scope | object | None = UNKNOWN_RELATION
) -> ReadPurpose:
    """The purpose a read is registered with (rule R9): a stated purpose adds to the duty, never replaces it, so
    the case officer's own read stays 承办本案 whatever a request says; outside one's duty it must be stated."""
    stated = (stated or "").strip()[:200]
    basis = read_basis(user, case, rel)
    if basis is not None:
        return ReadPurpose(basis, stated if stated != basis else "")
    if stated:
        return ReadPurpose(stated)
    raise PurposeRequired(f"调阅 {case.case_no} 须说明目的（R9：调阅须经批准并登记）")


def register_read(
    *,
    user: User,
    case: Case | None,
    subject_type: str,
    subject_id: str | int,
    what: str,
    channel: str,
    purpose: str,
    stated_purpose: str = "",
) -> int:
    """Every read of a record is a ledger event: who, what, when, why, and by which way (R9). ``purpose`` is the
    basis of the read; a purpose stated beside a duty is kept as ``stated_purpose``. Returns the event's seq."""
    from django.db import transaction

    from liuhen.ledger import services as ledger

    body: dict[str, object] = {
        "case_no": case.case_no if case else None,
        "what": what,
        "channel": channel,
        "purpose": purpose,
    }
    if stated_purpose:
        body["stated_purpose"] = stated_purpose
    with transaction.atomic():
        event = ledger.append(
            actor=user,
            action="record.read",
            subject_type=subject_type,
            subject_id=subject_id,
            case_ref=case.pk if case else None,
            body=body,
        )
    return event.seq


CHANNEL_LABELS = {"page": "页面", "api": "接口", "download": "下载", "preview": "预览", "stream": "播放"}
SUBJECT_LABELS = {"case": "案件", "document": "文书", "recording": "音像记录"}


def access_history(
    case: Case,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    *,
    before: int | None = None,
    limit: int = 500,
    person: str = "",
    since: date | None = None,
    until: date | None = None,
) -> list[dict]:
    """The reads of a case, or of one of its records, newest first; a page of ``limit`` from before the event
    ``before`` (a keyset on the ledger's sequence; the ledger keeps them all). ``person`` (a username) and
    ``since``/``until`` (local dates, both inclusive) narrow it. Each read names the reader, their role, what was
    read, the way and the purpose in Chinese (R9)."""
    import json

    from liuhen.ledger.models import Event

    qs = Event.objects.filter(case_ref=case.pk, action="record.read")
    if subject_type is not None:
        qs = qs.filter(subject_type=subject_type, subject_id=str(subject_id))
    if person:
        qs = qs.filter(actor=person)
    tz = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until is not None:
        qs = qs.filter(at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz))
    if before is not None:
        qs = qs.filter(seq__lt=before)
    events = list(qs.order_by("-seq")[: min(max(limit, 1), 500)])
    people = {u.username: u for u in User.objects.filter(username__in={e.actor for e in events})}
    out = []
    for e in events:
        body = json.loads(e.body)
        reader = people.get(e.actor)
        channel = body.get("channel")
        out.append(
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "name": reader.display_name if reader else e.actor,
                "role": reader.get_role_display() if reader else "",
                "what": body.get("what"),
                "subject_label": SUBJECT_LABELS.get(e.subject_type, e.subject_type),
                "channel": channel,
                "channel_label": CHANNEL_LABELS.get(channel, channel),
                "purpose": body.get("purpose"),
                "stated_purpose": body.get("stated_purpose", ""),
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
            }
        )
    return out


def readers(case: Case) -> list[tuple[str, str]]:
    """Everyone who has read the case or its records: (username, 姓名（角色）), for the history's filter."""
    from liuhen.ledger.models import Event

    names = set(Event.objects.filter(case_ref=case.pk, action="record.read").values_list("actor", flat=True))
    return [
        (u.username, f"{u.display_name}（{u.get_role_display()}）")
        for u in User.objects.filter(username__in=names).order_by("username")
    ]
