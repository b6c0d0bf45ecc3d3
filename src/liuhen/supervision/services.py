"""案卷评查 commands (rules SU1, SU4): publish a scoring table, open a round (seeded draw, cross-unit
assignment, automatic items scored), score, re-check, publish, and issue 整改通知.

Every command validates, changes and appends its ledger event in one transaction; the event carries the rows.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from liuhen.accounts.models import Agency, Unit, User
from liuhen.cases.access import allowed
from liuhen.cases.models import Case
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.permissions import Action, Scope, refuse_own_request, scope
from liuhen.core.rules import rule
from liuhen.ledger import services as ledger
from liuhen.ledger.envelope import format_at
from liuhen.ledger.integrator import integrate
from liuhen.ledger.queries import root_at
from liuhen.supervision import autoscore, scoring
from liuhen.supervision.autoscore import DECISIONS, Verdict
from liuhen.supervision.models import (
    ItemScore,
    RectificationNotice,
    ReviewRound,
    ReviewSheet,
    RoundStatus,
    ScoringTable,
    SheetStatus,
)
from liuhen.supervision.tables import DEFAULT_TABLES, Table, problems, table_from_json

# a case is reviewed once its file is complete: decided and served, closed, or archived
REVIEWABLE = (stages.Stage.ENFORCEMENT, stages.Stage.CLOSED, stages.Stage.ARCHIVED)


def reviewable(agency: Agency, procedures: list[str]) -> QuerySet[Case]:
    """The files a round draws from: cases of the tables' procedures past their decision (or closed, archived);
    a penalty case only with its finalised decision (a case not filed is no 行政处罚 file)."""
    from liuhen.documents.models import Document, DocumentStatus

    decided = Document.objects.filter(case=OuterRef("pk"), status=DocumentStatus.FINAL, doc_type__in=DECISIONS)
    qs = Case.objects.filter(agency=agency, procedure__in=procedures, stage__in=list(REVIEWABLE))
    return qs.filter(~Q(procedure=stages.Procedure.GENERAL) | Exists(decided))


def organises(user: User, agency: Agency) -> bool:
    """Who opens rounds, draws, registers findings and fault cases: the agency's supervisors, leaders and legal
    reviewers (the permission table's SUPERVISE at agency scope)."""
    granted = scope(user.role, Action.SUPERVISE)
    return user.agency_id == agency.pk and granted in (Scope.AGENCY, Scope.OVERSIGHT)


def require_organiser(user: User, agency: Agency) -> None:
    if not organises(user, agency):
        raise Forbidden(
            f"{user.get_role_display()}不能组织评查、抽查和过错追究（须为本机关的监督人员、法制审核人员或机关负责人）"
        )


def ledger_seed(agency: Agency, what: str) -> tuple[str, int]:
    """A seed no one can choose in advance and anyone can recompute: the ledger's root at its present size, the
    agency and what is drawn. Returns (seed hex, tree size)."""
    size = integrate()
    digest = hashlib.sha256(root_at(size) + f"|{agency.pk}|{what}".encode()).hexdigest()
    return digest, size


def draw(ids: Sequence[int], share_percent: int, seed: str, salt: str) -> list[int]:
    """A reproducible sample: ceil(share × n) of the sorted ids, by a generator seeded with ``seed`` and ``salt``."""
    ordered = sorted(ids)
    k = min(len(ordered), math.ceil(len(ordered) * share_percent / 100))
    return sorted(random.Random(f"{seed}:{salt}").sample(ordered, k))


# ---- scoring tables ----------------------------------------------------------------------------------------


def table_event(row: ScoringTable) -> dict[str, object]:
    return {"id": row.pk, "agency_id": row.agency_id, "code": row.code, "version": row.version, "title": row.title}


@transaction.atomic
def publish_table(*, actor: User, agency: Agency, table: Table, reason: str) -> ScoringTable:
    """Publish a new version of one of the agency's scoring tables (rule SU4)."""
    require_organiser(actor, agency)
    found = problems(table)
    if found:
        raise InvalidInput("评查表不能发布：" + "；".join(found))
    if not reason.strip():
        raise InvalidInput("发布评查表须说明依据或修订理由")
    last = ScoringTable.objects.filter(agency=agency, code=table.code).order_by("-version").first()
    row = ScoringTable.objects.create(
        agency=agency,
        code=table.code,
        version=(last.version + 1) if last else 1,
        title=table.title,
        body=table.to_json(),
        reason=reason.strip()[:500],
        published_by=actor,
        published_at=timezone.now(),
    )
    ledger.append(
        actor=actor,
        action="supervision.table_published",
        subject_type="scoring_table",
        subject_id=row.pk,
        at=row.published_at,
        body=table_event(row),
        rows=[row],
    )
    return row


def table_in_force(agency: Agency, code: str) -> ScoringTable | None:
    return ScoringTable.objects.filter(agency=agency, code=code).order_by("-version").first()


def _tables(actor: User, agency: Agency) -> dict[str, ScoringTable]:
    """The agency's newest version of each default table, publishing the shipped default the first time."""
    out = {}
    for code, default in DEFAULT_TABLES.items():
        row = table_in_force(agency, code)
        if row is None:
            row = publish_table(actor=actor, agency=agency, table=default, reason=f"采用默认评查表：{default.source}")
        out[code] = row
    return out


# ---- rounds ------------------------------------------------------------------------------------------------


def _scores_for(sheet: ReviewSheet, table: Table, case: Case, now: object) -> list[ItemScore]:
    """The sheet's items: each automatic item decided by its check, with its evidence (rule SU4)."""
    out = []
    for it in table.items:
        score = ItemScore(sheet=sheet, code=it.code)
        if it.check:
            outcome = autoscore.run(it.check, case, table.params)
            score.system_verdict = score.verdict = outcome.verdict
            score.evidence = outcome.to_json()
            score.deduction = Decimal(it.points if outcome.verdict == Verdict.NOT_MET and not it.is_veto else 0)
            score.scored_at = now  # type: ignore[assignment]
        out.append(score)
    return out


def _assign(cases: list[Case], reviewers: list[User]) -> dict[int, User]:
    """交叉评查: each case to the least-loaded reviewer who is not of the case's unit and did not work on it."""
    load = {r.pk: 0 for r in reviewers}
    out: dict[int, User] = {}
    for case in cases:
        involved = set(case.officers.values_list("user_id", flat=True))
        fit = [r for r in reviewers if r.unit_id != case.unit_id and r.pk not in involved]
        if not fit:
            raise InvalidInput(f"案件 {case.case_no} 没有承办单位以外的评查人员可以评查（交叉评查）")
        chosen = min(fit, key=lambda r: (load[r.pk], r.pk))
        load[chosen.pk] += 1
        out[case.pk] = chosen
    return out


@transaction.atomic
def open_round(
    *,
    actor: User,
    agency: Agency,
    title: str,
    reviewers: Iterable[User],
    share_percent: int = 10,
    all_major: bool = True,
) -> ReviewRound:
    """Open a review round: draw ``share_percent`` of each unit's reviewable cases at random (seeded from the
    ledger, reproducible), add every major case, assign each to a reviewer of another unit, and score the
    automatic items (rules SU1, SU4)."""
    require_organiser(actor, agency)
    title = (title or "").strip()
    if not title:
        raise InvalidInput("请填写评查活动名称")
    if not 1 <= share_percent <= 100:
        raise InvalidInput(f"抽取比例须在1%～100%之间，收到 {share_percent}%")
    reviewers = [r for r in reviewers]
    for r in reviewers:
        if r.agency_id != agency.pk or not allowed(r, Action.REVIEW):
            raise InvalidInput(f"{r.display_name}（{r.get_role_display()}）不能担任本机关的评查人员")
    tables = _tables(actor, agency)
    by_procedure = {p: row for row in tables.values() for p in table_from_json(row.body).procedures}
    population = reviewable(agency, list(by_procedure))
    seed, size = ledger_seed(agency, f"review:{title}")
    chosen: dict[int, str] = {}
    per_unit: dict[int, list[int]] = {}
    for pk, unit_id, major in population.values_list("pk", "unit_id", "is_major"):
        per_unit.setdefault(unit_id, []).append(pk)
        if major and all_major:
            chosen[pk] = "major"
    for unit_id, ids in sorted(per_unit.items()):
        for pk in draw(ids, share_percent, seed, f"unit:{unit_id}"):
            chosen.setdefault(pk, "random")
    if not chosen:
        raise InvalidInput("没有可评查的案件（已作出决定并送达、已结案或已归档的案件）")
    cases = list(Case.objects.filter(pk__in=chosen).order_by("pk"))
    assigned = _assign(cases, reviewers)
    now = timezone.now()
    rnd = ReviewRound.objects.create(
        agency=agency,
        title=title[:100],
        share_percent=share_percent,
        all_major=all_major,
        seed=seed,
        tree_size=size,
        opened_by=actor,
        opened_at=now,
    )
    sheets, items = [], []
    for case in cases:
        table_row = by_procedure[case.procedure]
        sheet = ReviewSheet.objects.create(
            round=rnd, case=case, table=table_row, selected_as=chosen[case.pk], reviewer=assigned[case.pk]
        )
        scores = _scores_for(sheet, table_from_json(table_row.body), case, now)
        ItemScore.objects.bulk_create(scores)
        sheets.append(sheet)
        items += list(sheet.items.all())
    ledger.append(
        actor=actor,
        action="supervision.round_opened",
        subject_type="review_round",
        subject_id=rnd.pk,
        at=now,
        body={
            "id": rnd.pk,
            "title": rnd.title,
            "rule": "SU4",
            "seed": seed,
            "tree_size": size,
            "share_percent": share_percent,
            "all_major": all_major,
            "cases": [
                {"case_no": c.case_no, "selected_as": chosen[c.pk], "reviewer": assigned[c.pk].username} for c in cases
            ],
        },
        rows=[rnd, *sheets, *items],
    )
    return rnd


def _own_sheet(actor: User, sheet: ReviewSheet) -> None:
    if sheet.reviewer_id != actor.pk:
        raise Forbidden("只能为分配给本人的案卷评分")
    if sheet.status != SheetStatus.ASSIGNED:
        raise InvalidInput(f"该记分表{sheet.get_status_display()}，不能再改分")


def _amount(text: object, points: int) -> Decimal:
    try:
        value = Decimal(str(text).strip() or "0")
    except InvalidOperation:
        raise InvalidInput(f"扣分“{text}”不是数字") from None
    if value < 0 or value > points or value * 2 != int(value * 2):
        raise InvalidInput(f"扣分须在0～{points}分之间，以0.5分为单位，收到 {value}")
    return value


@transaction.atomic
def score_item(
    *,
    actor: User,
    item: ItemScore,
    verdict: str = "",
    deduction: object = 0,
    note: str = "",
    override_reason: str = "",
) -> ItemScore:
    """The reviewer scores an item: a veto item 符合/不符合, a point item by its deduction. Changing the system's
    verdict of an automatic item needs a reason, kept with the item (rule SU4)."""
    sheet = item.sheet
    _own_sheet(actor, sheet)
    it = table_from_json(sheet.table.body).item(item.code)
    if it.is_veto:
        if verdict not in (Verdict.MET, Verdict.NOT_MET):
            raise InvalidInput(f"否决项“{it.title}”须评定为符合或不符合")
        amount = Decimal(0)
    else:
        amount = _amount(deduction, it.points)
        verdict = verdict or (Verdict.NOT_MET if amount else Verdict.MET)
        if verdict not in (Verdict.MET, Verdict.NOT_MET, Verdict.NOT_APPLICABLE):
            raise InvalidInput(f"评定“{verdict}”无效")
    overriding = bool(item.system_verdict) and (
        verdict != item.system_verdict or (not it.is_veto and amount != item.deduction)
    )
    reason = (override_reason or "").strip()
    if overriding and not reason:
        raise InvalidInput(f"“{it.title}”由系统依据记录评定，改判须说明理由")
    item.verdict, item.deduction, item.note = verdict, amount, (note or "").strip()[:1000]
    item.override_reason = reason[:1000] if overriding else ""
    item.scored_by, item.scored_at = actor, timezone.now()
    item.save()
    ledger.append(
        actor=actor,
        action="supervision.item_scored",
        subject_type="review_sheet",
        subject_id=sheet.pk,
        case_ref=sheet.case_id,
        at=item.scored_at,
        body={"item": item.code, "verdict": verdict, "deduction": str(amount), "override": bool(item.override_reason)},
        rows=[item],
    )
    return item


@transaction.atomic
def submit_sheet(*, actor: User, sheet: ReviewSheet) -> ReviewSheet:
    """The reviewer hands in the sheet: every item scored, the total and grade computed (rule SU4)."""
    _own_sheet(actor, sheet)
    table = table_from_json(sheet.table.body)
    items = list(sheet.items.all())
    open_items = [table.item(i.code).title for i in items if not i.verdict]
    if open_items:
        raise InvalidInput("尚有评查项目未评分：" + "、".join(open_items))
    points, grade, vetoed = scoring.total(table, items)
    sheet.total, sheet.grade, sheet.status, sheet.scored_at = points, grade, SheetStatus.SCORED, timezone.now()
    sheet.save()
    ledger.append(
        actor=actor,
        action="supervision.sheet_scored",
        subject_type="review_sheet",
        subject_id=sheet.pk,
        case_ref=sheet.case_id,
        at=sheet.scored_at,
        body={"case_no": sheet.case.case_no, "total": str(points), "grade": grade, "vetoed": vetoed},
        rows=[sheet],
    )
    return sheet


@transaction.atomic
def check_sheet(*, actor: User, sheet: ReviewSheet, agree: bool, opinion: str) -> ReviewSheet:
    """复核: an organiser other than the reviewer confirms the sheet, or returns it for rescoring."""
    require_organiser(actor, sheet.round.agency)
    refuse_own_request(decider_id=actor.pk, requester_ids=[sheet.reviewer_id], what="评查记分表")
    if sheet.status != SheetStatus.SCORED:
        raise InvalidInput(f"该记分表{sheet.get_status_display()}，不能复核")
    if not opinion.strip():
        raise InvalidInput("请填写复核意见")
    now = timezone.now()
    if agree:
        sheet.status, sheet.checked_by, sheet.checked_at = SheetStatus.CHECKED, actor, now
    else:
        sheet.status, sheet.total, sheet.grade, sheet.scored_at = SheetStatus.ASSIGNED, None, "", None
    sheet.save()
    ledger.append(
        actor=actor,
        action="supervision.sheet_checked",
        subject_type="review_sheet",
        subject_id=sheet.pk,
        case_ref=sheet.case_id,
        at=now,
        body={"agree": agree, "opinion": opinion.strip()[:1000]},
        rows=[sheet],
    )
    return sheet


@transaction.atomic
def publish_round(*, actor: User, round: ReviewRound) -> ReviewRound:
    """通报: the results become visible inside the agency once every sheet is re-checked."""
    require_organiser(actor, round.agency)
    if round.status != RoundStatus.OPEN:
        raise InvalidInput("该评查活动已通报")
    pending = round.sheets.exclude(status=SheetStatus.CHECKED).count()
    if pending:
        raise RuleViolation("SU4", rule("SU4").source, f"尚有 {pending} 份记分表未复核，不能通报")
    round.status, round.published_at = RoundStatus.PUBLISHED, timezone.now()
    round.save()
    grades = {g: round.sheets.filter(grade=g).count() for g in ("excellent", "pass", "fail")}
    ledger.append(
        actor=actor,
        action="supervision.round_published",
        subject_type="review_round",
        subject_id=round.pk,
        at=round.published_at,
        body={"id": round.pk, "grades": grades},
        rows=[round],
    )
    return round


def _notice_body(n: RectificationNotice) -> dict[str, object]:
    return {"id": n.pk, "round_id": n.round_id, "unit": n.unit.name, "due_on": n.due_on.isoformat()}


@transaction.atomic
def issue_rectification(
    *, actor: User, round: ReviewRound, unit: Unit, content: str, due_on: date
) -> RectificationNotice:
    """整改通知 to a unit whose files the round found wanting, with a deadline."""
    require_organiser(actor, round.agency)
    if unit.agency_id != round.agency_id:
        raise InvalidInput("整改单位须为本机关的单位")
    if not content.strip():
        raise InvalidInput("请填写整改事项")
    if due_on <= timezone.localdate():
        raise InvalidInput(f"整改期限须晚于今天，收到 {due_on.isoformat()}")
    now = timezone.now()
    notice = RectificationNotice.objects.create(
        round=round, unit=unit, content=content.strip()[:2000], due_on=due_on, issued_by=actor, issued_at=now
    )
    ledger.append(
        actor=actor,
        action="supervision.rectification_issued",
        subject_type="rectification_notice",
        subject_id=notice.pk,
        at=now,
        body=_notice_body(notice),
        rows=[notice],
    )
    return notice


@transaction.atomic
def close_rectification(*, actor: User, notice: RectificationNotice, response: str) -> RectificationNotice:
    require_organiser(actor, notice.round.agency)
    if notice.closed_at:
        raise InvalidInput("该整改通知已办结")
    if not response.strip():
        raise InvalidInput("请填写整改情况")
    notice.closed_at, notice.closed_by, notice.response = timezone.now(), actor, response.strip()[:2000]
    notice.save()
    ledger.append(
        actor=actor,
        action="supervision.rectification_closed",
        subject_type="rectification_notice",
        subject_id=notice.pk,
        at=notice.closed_at,
        body={**_notice_body(notice), "closed_at": format_at(notice.closed_at)},
        rows=[notice],
    )
    return notice
