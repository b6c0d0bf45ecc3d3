"""Ledger endpoints: checkpoints, the verifier key, inclusion and consistency proofs."""

import base64
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from liuhen.access import event_scope
from liuhen.accounts.models import Role, User
from liuhen.cases.access import register_read
from liuhen.core.errors import Forbidden, InvalidInput, NotFound
from liuhen.core.permissions import Action
from liuhen.ledger import cosigning, queries, services, signing
from liuhen.ledger.integrator import integrate
from liuhen.ledger.models import Checkpoint, Event
from liuhen.web import reads
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["ledger"])

CASELESS_PURPOSE = "账本核查"  # an event of no case (an account, a device): registered with this unless one is stated


def b64(data: bytes | memoryview) -> str:
    return base64.b64encode(bytes(data)).decode()


class CosignatureOut(Schema):
    witness: str
    timestamp: int
    line: str


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    note: str
    issued_at: datetime
    cosignatures: list[CosignatureOut]
    cosigned_note: str  # the note with the witnesses' signature lines (c2sp.org/tlog-cosignature)

    @staticmethod
    def of(cp: Checkpoint) -> "CheckpointOut":
        kept = cosigning.cosignatures(cp)
        return CheckpointOut(
            tree_size=cp.tree_size,
            root_hash=b64(cp.root_hash),
            note=cp.note,
            issued_at=cp.issued_at,
            cosignatures=[CosignatureOut(**c) for c in kept],  # type: ignore[arg-type]
            cosigned_note=cp.note + "".join(str(c["line"]) for c in kept),
        )


@router.get("/checkpoint", response=CheckpointOut, summary="最新签名检查点（公开，无须登录）", auth=None)
@needs(Action.LEDGER)
def latest(request: HttpRequest) -> CheckpointOut:
    cp = queries.latest_checkpoint()
    if cp is None:
        raise NotFound("尚未签发检查点")
    return CheckpointOut.of(cp)


@router.post("/checkpoints", response={201: CheckpointOut, 200: CheckpointOut}, summary="立即签发检查点")
@needs(Action.LEDGER_SIGN)
def issue(request: HttpRequest) -> Status[CheckpointOut]:
    user: User = request.user  # type: ignore[assignment]
    if user.role not in {Role.ARCHIVIST, Role.ADMIN, Role.SUPERVISOR}:
        raise Forbidden("只有档案管理员、监督人员或管理员可以签发检查点")
    cp = services.issue_checkpoint()
    if cp is None:
        latest_cp = queries.latest_checkpoint()
        if latest_cp is None:
            raise InvalidInput("账本为空，无需签发检查点")
        return Status(200, CheckpointOut.of(latest_cp))
    return Status(201, CheckpointOut.of(cp))


class KeyOut(Schema):
    verifier_key: str


@router.get("/public-key", response=KeyOut, summary="检查点验证公钥（signed-note verifier key，公开）", auth=None)
@needs(Action.LEDGER)
def public_key(request: HttpRequest) -> KeyOut:
    return KeyOut(verifier_key=signing.verifier_key())


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    case_ref: int | None
    body: str
    leaf_hash: str


@router.get(
    "/events/{seq}",
    response=EventOut,
    summary="账本事件（含规范 JSON 内容与叶哈希）：仅限有权查阅其案件记录者，每次查阅均登记",
)
@needs(Action.LEDGER)
def event(request: HttpRequest, seq: int) -> EventOut:
    # rules R9, R11: a body is a record of its case; reading it is registered like any other read
    e, case = event_scope.readable_event(acting_user(request), seq)
    what, channel = f"账本事件 #{e.seq}（{e.action}）", "api"
    if case is not None:
        reads.read(request, case, subject_type="ledger_event", subject_id=e.seq, what=what, channel=channel)
    else:
        stated = request.GET.get("purpose") or request.headers.get("X-Liuhen-Purpose", "")
        register_read(
            user=acting_user(request),
            case=None,
            subject_type="ledger_event",
            subject_id=e.seq,
            what=what,
            channel=channel,
            purpose=stated.strip()[:200] or CASELESS_PURPOSE,
        )
    return EventOut(
        seq=e.seq,
        at=e.at,
        actor=e.actor,
        actor_id=e.actor_id,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        case_ref=e.case_ref,
        body=e.body,
        leaf_hash=b64(e.leaf_hash),
    )


class InclusionOut(Schema):
    seq: int
    tree_size: int
    leaf_hash: str
    proof: list[str]
    root_hash: str


def _size(tree_size: int | None) -> int:
    size = integrate()  # what is committed is in the tree before a proof is asked of it
    if tree_size is None:
        cp = queries.latest_checkpoint()
        return cp.tree_size if cp else size
    if not 0 < tree_size <= size:
        raise InvalidInput(f"树大小 {tree_size} 无效：账本当前有 {size} 个事件")
    return tree_size


@router.get("/events/{seq}/inclusion", response=InclusionOut, summary="包含证明（默认针对最新检查点）")
@needs(Action.LEDGER)
def inclusion(request: HttpRequest, seq: int, tree_size: int | None = None) -> InclusionOut:
    size = _size(tree_size)
    if not 0 <= seq < size:
        raise InvalidInput(f"第 {seq} 号事件不在大小为 {size} 的树中（可指定更大的 tree_size 或先签发检查点）")
    leaf = Event.objects.filter(seq=seq).values_list("leaf_hash", flat=True).first()
    if leaf is None:
        raise NotFound(f"账本中没有第 {seq} 号事件")
    return InclusionOut(
        seq=seq,
        tree_size=size,
        leaf_hash=b64(leaf),
        proof=[b64(p) for p in queries.inclusion(seq, size)],
        root_hash=b64(queries.root_at(size)),
    )


class ConsistencyOut(Schema):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


@router.get("/consistency", response=ConsistencyOut, summary="一致性证明")
@needs(Action.LEDGER)
def consistency(request: HttpRequest, first: int, second: int) -> ConsistencyOut:
    size = integrate()
    if not 0 < first <= second <= size:
        raise InvalidInput(f"须满足 0 < first ≤ second ≤ {size}")
    return ConsistencyOut(
        first=first,
        second=second,
        first_root=b64(queries.root_at(first)),
        second_root=b64(queries.root_at(second)),
        proof=[b64(p) for p in queries.consistency(first, second)],
    )
