"""Case endpoints. Handlers only translate HTTP to the domain commands in services."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from liuhen.accounts.models import Agency, Unit, User
from liuhen.cases import limitation, listing, presentation, queries, services
from liuhen.cases.access import access_history
from liuhen.cases.models import Approval, Case, CaseSource
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.permissions import Action
from liuhen.deadlines import queries as deadline_queries
from liuhen.web import reads
from liuhen.web.pagination import MAX_ID, MAX_PAGE_SIZE
from liuhen.web.permissions import acting_user, needs

router = Router(tags=["cases"])
approvals_router = Router(tags=["approvals"])


class PartyIn(Schema):
    kind: str = Field(..., description="individual 个人 / organisation 单位")
    name: str
    id_number: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""


class CaseIn(Schema):
    procedure: str = Field(
        ..., description="general_procedure, simplified_procedure, inspection, licence, compulsion, complaint"
    )
    cause: str
    unit_id: int | None = None
    source: str = CaseSource.INSPECTION
    summary: str = ""
    is_major: bool = False
    penalty_kind: str = ""
    fine_amount: Decimal | None = None
    violation_ended_on: date | None = Field(default=None, description="S6：违法行为发生（连续或继续的为终了）日期")
    serious_harm: bool = Field(default=False, description="S6：涉及生命健康、金融安全且有危害后果（时效5年）")
    violation_at: datetime | None = Field(default=None, description="违法时间（不晚于当前时间）")
    violation_place: str = Field(default="", max_length=200, description="违法地点")
    parties: list[PartyIn] = []
    officers: list[str] = Field(default=[], description="执法人员用户名")


class CaseFields(Schema):
    id: int
    case_no: str = Field(..., description="案件现用编号：一般程序立案经批准前为案源登记号，批准后为立案号")
    intake_no: str = Field(default="", description="案源登记号（一般程序）")
    procedure: str
    procedure_label: str
    stage: str
    stage_label: str
    cause: str
    unit: str
    created_at: datetime


def case_fields(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "intake_no": case.intake_no,
        "procedure": case.procedure,
        "procedure_label": case.get_procedure_display(),
        "stage": case.stage,
        "stage_label": case.get_stage_display(),
        "cause": case.cause,
        "unit": case.unit.name,
        "created_at": case.created_at,
    }


class CaseOut(CaseFields):
    """A row of the case list; built straight from the queryset page."""

    @staticmethod
    def resolve_procedure_label(obj: Case) -> str:
        return obj.get_procedure_display()

    @staticmethod
    def resolve_stage_label(obj: Case) -> str:
        return obj.get_stage_display()

    @staticmethod
    def resolve_unit(obj: Case) -> str:
        return obj.unit.name


class StepOut(Schema):
    action: str
    label: str
    target: str
    target_label: str
    allowed: bool
    refusal: dict[str, str] | None


class ApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    late: bool
    officer: str | None = Field(default=None, description="指派承办人员审批：拟指派人员的用户名")
    steps: list[dict[str, Any]]


class CaseDetail(CaseFields):
    summary: str
    is_major: bool
    violation_ended_on: date | None
    serious_harm: bool
    violation_at: datetime | None
    violation_place: str
    parties: list[dict[str, Any]]
    officers: list[dict[str, Any]]
    approvals: list[ApprovalOut]
    next_steps: list[StepOut]
    deadlines: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


def _approval_out(a: Approval) -> ApprovalOut:
    return ApprovalOut(
        id=a.pk,
        kind=a.kind,
        kind_label=a.get_kind_display(),
        status=a.status,
        status_label=a.get_status_display(),
        late=a.late,
        officer=a.officer.username if a.officer is not None else None,
        steps=[
            {
                "role": s.role,
                "role_label": s.get_role_display(),
                "signed_name": s.signed_name,
                "agree": s.agree,
                "opinion": s.opinion,
                "signed_at": s.signed_at,
            }
            for s in a.steps.all()
        ],
    )


def detail(case: Case) -> CaseDetail:
    return CaseDetail(
        **case_fields(case),
        summary=case.summary,
        is_major=case.is_major,
        violation_ended_on=case.violation_ended_on,
        serious_harm=case.serious_harm,
        violation_at=case.violation_at,
        violation_place=case.violation_place,
        parties=presentation.parties(case),
        officers=[
            {"username": co.user.username, "name": co.user.display_name, "lead": co.is_lead}
            for co in case.officers.select_related("user")
        ],
        approvals=[_approval_out(a) for a in case.approvals.prefetch_related("steps").order_by("id")],
        next_steps=[StepOut(**s) for s in presentation.steps(case)],
        deadlines=deadline_queries.for_case(case),
        timeline=presentation.timeline(case),
    )


class CaseFilters(Schema):
    q: str = Field("", max_length=200, description="全文检索：案号、当事人、案由、简要案情（中文分词，按相关度排序）")
    procedure: str = ""
    stage: str = ""
    unit: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False
    cursor: str = Field("", max_length=400, description="上一页返回的 next；为空即第一页")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class CasePageOut(Schema):
    items: list[CaseFields]
    next: str | None = Field(None, description="下一页的 cursor；最后一页为 null")
    count: int = Field(..., description=f"共多少件；超过 {listing.COUNT_CAP} 件时为 {listing.COUNT_CAP}")
    count_exact: bool = Field(..., description="count 是否为确数（否：多于 count 件）")


@router.get("", response=CasePageOut, summary="案件列表")
@needs(Action.CASE_VIEW)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """Keyset pages: follow ``next`` for the following page; a deep page costs what the first does."""
    user = acting_user(request)
    f = listing.Filters(
        q=filters.q, procedure=filters.procedure, stage=filters.stage, unit=filters.unit, mine=filters.mine
    )
    page = listing.list_cases(user, f, cursor=filters.cursor, size=filters.page_size)
    items = [case_fields(c) for c in page.items]
    return {"items": items, "next": page.next, "count": page.count, "count_exact": page.count_exact}


def _users(agency: Agency | None, usernames: list[str]) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, agency=agency)} if agency else {}
    missing = [n for n in usernames if n not in found]
    if missing:
        raise InvalidInput(f"本机关没有这些执法人员：{'、'.join(missing)}")
    return [found[n] for n in usernames]


@router.post("", response={201: CaseDetail}, summary="登记案件")
@needs(Action.CASE_CREATE)
def create_case(request: HttpRequest, payload: CaseIn) -> Status[CaseDetail]:
    user = acting_user(request)
    unit_id = payload.unit_id or user.unit_id
    unit = Unit.objects.filter(pk=unit_id, agency=user.agency).first() if unit_id and user.agency else None
    if unit is None:
        raise InvalidInput("请指定本机关的承办单位（unit_id）")
    case = services.create_case(
        actor=user,
        unit=unit,
        procedure=payload.procedure,
        cause=payload.cause,
        source=payload.source,
        summary=payload.summary,
        is_major=payload.is_major,
        penalty_kind=payload.penalty_kind,
        fine_amount=payload.fine_amount,
        violation_ended_on=payload.violation_ended_on,
        serious_harm=payload.serious_harm,
        violation_at=payload.violation_at,
        violation_place=payload.violation_place,
        parties=[services.PartyInput(**p.dict()) for p in payload.parties],
        officers=_users(user.agency, payload.officers),
    )
    return Status(201, detail(case))


@router.get("/{case_id}", response=CaseDetail, summary="案件详情（含时间线和下一步）")
@needs(Action.CASE_VIEW)
def get_case(request: HttpRequest, case_id: int) -> CaseDetail:
    case = queries.get_case(acting_user(request), case_id)
    reads.read(request, case, subject_type="case", subject_id=case.pk, what="案件详情", channel="api")
    return detail(case)


@router.get(
    "/{case_id}/access-history", response=list[dict[str, Any]], summary="调阅记录（谁、何时、为何、以何种方式）"
)
@needs(Action.CASE_VIEW)
def case_access_history(
    request: HttpRequest,
    case_id: int,
    before: int | None = Query(None, ge=1, le=MAX_ID, description="上一页最后一条的 seq；为空即最新的一页"),
    limit: int = Query(500, ge=1, le=500),
) -> list[dict[str, Any]]:
    """Newest first, at most 500 per page; the next page is ``before`` the last row's ``seq``."""
    return access_history(queries.get_case(acting_user(request), case_id), before=before, limit=limit)


class TransitionIn(Schema):
    action: str


@router.post("/{case_id}/transitions", response=CaseDetail, summary="推进阶段（不符合规则时返回 409 及规则编号）")
@needs(Action.CASE_WORK)
def transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> CaseDetail:
    user = acting_user(request)
    case = services.transition(actor=user, case=queries.get_case(user, case_id), action=payload.action)
    return detail(case)


class ViolationPeriodIn(Schema):
    violation_ended_on: date
    serious_harm: bool = False
    reason: str = ""


@router.post("/{case_id}/violation-period", response=CaseDetail, summary="登记违法行为发生（终了）日期（S6）")
@needs(Action.CASE_WORK)
def record_violation_period(request: HttpRequest, case_id: int, payload: ViolationPeriodIn) -> CaseDetail:
    user = acting_user(request)
    case = limitation.record_violation_period(actor=user, case=queries.get_case(user, case_id), **payload.dict())
    return detail(case)


class ActIn(Schema):
    kind: str = Field(..., description="无对应文书的事项或 note（备注）；有文书的事项须制作文书，此处返回 422")
    note: str = ""
    occurred_at: datetime | None = None
    backfill_reason: str = Field("", description="发生时间早于记录时间（事后补录）时必填")


@router.post(
    "/{case_id}/acts", response={201: CaseDetail}, summary="记录办案事项（有文书的事项须制作文书，返回 422 并指明文书）"
)
@needs(Action.CASE_WORK)
def record_act(request: HttpRequest, case_id: int, payload: ActIn) -> Status[CaseDetail]:
    user = acting_user(request)
    case = queries.get_case(user, case_id)
    services.record_act(
        actor=user,
        case=case,
        kind=payload.kind,
        note=payload.note,
        occurred_at=payload.occurred_at,
        backfill_reason=payload.backfill_reason,
    )
    return Status(201, detail(case))


class MajorIn(Schema):
    reason: str = Field(..., description="认定为重大执法决定的理由")


@router.post("/{case_id}/major", response=CaseDetail, summary="认定为重大执法决定（D2，须说明理由）")
@needs(Action.CASE_WORK)
def mark_major(request: HttpRequest, case_id: int, payload: MajorIn) -> CaseDetail:
    user = acting_user(request)
    return detail(services.mark_major(actor=user, case=queries.get_case(user, case_id), reason=payload.reason))


class OfficerIn(Schema):
    username: str
    opinion: str = Field(default="", description="指派理由（承办单位以外的人员须写明，经审核、批准，D9）")


@router.post("/{case_id}/officers", response={201: CaseDetail, 202: ApprovalOut}, summary="指派承办人员")
@needs(Action.CASE_WORK)
def assign_officer(request: HttpRequest, case_id: int, payload: OfficerIn) -> Status[Any]:
    """An officer of the case's unit is assigned at once (201); anyone else is proposed for the unit head's review
    and a leader's approval (202, rule D9) and handles the case only once it is approved."""
    user = acting_user(request)
    case = queries.get_case(user, case_id)
    officer = _users(user.agency, [payload.username])[0]
    if officer.unit_id != case.unit_id:
        approval = services.propose_officer(actor=user, case=case, officer=officer, opinion=payload.opinion)
        return Status(202, _approval_out(approval))
    services.assign_officer(actor=user, case=case, officer=officer)
    return Status(201, detail(case))


class ApprovalIn(Schema):
    kind: str
    opinion: str


@router.post("/{case_id}/approvals", response={201: ApprovalOut}, summary="承办人提交审批（D9）")
@needs(Action.CASE_WORK)
def start_approval(request: HttpRequest, case_id: int, payload: ApprovalIn) -> Status[ApprovalOut]:
    user = acting_user(request)
    approval = services.start_approval(
        actor=user, case=queries.get_case(user, case_id), kind=payload.kind, opinion=payload.opinion
    )
    return Status(201, _approval_out(approval))


class SignIn(Schema):
    agree: bool
    opinion: str


def _approval(user: User, approval_id: int) -> Approval:
    approval = Approval.objects.filter(pk=approval_id, case__in=queries.visible_cases(user)).first()
    if approval is None:
        raise NotFound("审批不存在或无权查看")
    return approval


@approvals_router.get("/pending", response=list[dict[str, Any]], summary="待我审核/批准")
@needs(Action.APPROVE)
def pending(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "case_id": a.case_id,
            "case_no": a.case.case_no,
            "kind": a.kind,
            "kind_label": a.get_kind_display(),
            "status": a.status,
        }
        for a in queries.pending_approvals(acting_user(request))
    ]


@approvals_router.post("/{approval_id}/review", response=ApprovalOut, summary="审核人签署意见")
@needs(Action.APPROVE)
def review(request: HttpRequest, approval_id: int, payload: SignIn) -> ApprovalOut:
    user = acting_user(request)
    return _approval_out(
        services.review_approval(
            actor=user, approval=_approval(user, approval_id), agree=payload.agree, opinion=payload.opinion
        )
    )


@approvals_router.post("/{approval_id}/decide", response=ApprovalOut, summary="批准人批准或不予批准")
@needs(Action.APPROVE)
def decide(request: HttpRequest, approval_id: int, payload: SignIn) -> ApprovalOut:
    user = acting_user(request)
    return _approval_out(
        services.decide_approval(
            actor=user, approval=_approval(user, approval_id), approve=payload.agree, opinion=payload.opinion
        )
    )
