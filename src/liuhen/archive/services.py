"""Commands on the 案卷: assemble it, sign it as 立卷人 or 检查人 (rules R2, R14), change its 保管期限 (R6).

Each validates, changes and appends its ledger event in one transaction; a refusal changes nothing."""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.agency_settings.services import value_at
from liuhen.archive import contents, pdfa, sources, volume
from liuhen.archive.models import RETENTION_LABELS, CaseFile
from liuhen.cases.actors import case_body, require_agency_member
from liuhen.cases.models import Case
from liuhen.core import stages
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation, StageError
from liuhen.core.rules import rule
from liuhen.core.stages import STAGE_LABELS, Stage
from liuhen.ledger import services as ledger
from liuhen.media.storage import default_store

COMPILER, CHECKER = "compiler", "checker"
SIGN_LABELS = {COMPILER: "立卷人", CHECKER: "检查人"}


def ended(case: Case) -> bool:
    """rule R2: the case has ended on one of its end paths (结案, 不予立案, 不予受理, 投诉不立案 …), so it is filed."""
    return stages.transition_for(case.procedure_enum, case.stage_enum, "archive") is not None


def _r14(message: str) -> RuleViolation:
    return RuleViolation("R14", rule("R14").source, message)


def may_compile(user: User, case: Case) -> bool:
    """立卷人: the agency's archivist, or an officer of the case who puts its file together."""
    if user.agency_id != case.agency_id:
        return False
    return user.role == Role.ARCHIVIST or case.officers.filter(user=user).exists()


def may_check(user: User, case: Case) -> bool:
    """检查人: the agency's archivist, the head of the handling unit, or a leader of the agency."""
    if user.agency_id != case.agency_id:
        return False
    return user.role in (Role.ARCHIVIST, Role.LEADER) or (user.role == Role.UNIT_HEAD and user.unit_id == case.unit_id)


def default_retention(case: Case, at: datetime) -> int:
    """rule R6: the agency's 保管期限 in force when the case ended (永久 is 0)."""
    return int(value_at(case.agency_id, "R6", at))


def _title(case: Case) -> str:
    return f"{case.cause}案（{case.case_no}）"


def _body(case_file: CaseFile, **extra: object) -> dict[str, object]:
    return case_body(
        case_file.case,
        file_no=case_file.file_no,
        archival_code=case_file.archival_code,
        pages=case_file.pages,
        retention=case_file.retention_label,
        **extra,
    )


@transaction.atomic
def assemble(*, actor: User, case: Case, remarks: str = "") -> CaseFile:
    """Put the case's finalised documents in order, number their pages and fill in the cover (rule R14). An
    unsigned file may be assembled again (a document finalised since); a signed one is final."""
    case = Case.objects.select_for_update().select_related("agency").get(pk=case.pk)
    require_agency_member(actor, case.agency_id)
    if not may_compile(actor, case):
        raise Forbidden("组卷须由档案管理员或本案承办人员办理")
    if case.stage == Stage.ARCHIVED:
        raise StageError("案件已归档，案卷不能再调整")
    if not ended(case):
        raise StageError(f"案件尚未办结（当前阶段：{STAGE_LABELS[case.stage_enum]}），不能组卷")
    existing = CaseFile.objects.select_for_update().filter(case=case).first()
    if existing is not None and existing.signed:
        raise InvalidInput("案卷已由立卷人、检查人签名，不能重新组卷")
    store = default_store()
    items: list[dict[str, object]] = []
    page = 1
    for seq, (part, doc) in enumerate(contents.ordered(case), start=1):
        pdf = sources.document_pdf(doc)
        stored = store.put([pdf])
        pages = volume.page_count(pdf)
        items.append(contents.item(seq, part, doc, page, pages, stored.sha256))
        page += pages
    now = timezone.now()
    ended_at = timezone.localtime(case.stage_changed_at)
    started = timezone.localtime(case.created_at).date()
    fields = {
        "title": _title(case),
        "started_on": started,
        "ended_on": ended_at.date(),
        "contents": json.dumps(items, ensure_ascii=False, sort_keys=True),
        "pages": page - 1,
        "remarks": remarks.strip(),
        "assembled_by": actor,
        "assembled_at": now,
    }
    if existing is None:
        year = started.year  # a case that spans years keeps the year it started in
        last = CaseFile.objects.filter(agency_id=case.agency_id, year=year).aggregate(m=Max("serial"))["m"] or 0
        case_file = CaseFile.objects.create(
            case=case,
            agency_id=case.agency_id,
            year=year,
            serial=last + 1,
            file_no=f"{year}{last + 1:04d}",
            retention_years=default_retention(case, case.stage_changed_at),
            **fields,
        )
    else:
        case_file = existing
        for key, value in fields.items():
            setattr(case_file, key, value)
        case_file.compiler, case_file.compiled_at, case_file.checker, case_file.checked_at = None, None, None, None
        case_file.save()
    ledger.append(
        actor=actor,
        action="archive.assembled",
        subject_type="case_file",
        subject_id=case_file.pk,
        case_ref=case.pk,
        at=now,
        body=_body(
            case_file,
            documents=[{"id": i["document_id"], "pdf_sha256": i["pdf_sha256"], "pages": i["pages"]} for i in items],
        ),
        rows=[case_file],
    )
    return case_file


@transaction.atomic
def sign(*, actor: User, case_file: CaseFile, role: str) -> CaseFile:
    """Sign the 备考表 as 立卷人 or 检查人: two different people (rule R14). The second signature binds the
    volume: the PDF of cover, 目录, numbered documents and 备考表 is made and kept, its hash in the event."""
    case_file = CaseFile.objects.select_for_update().select_related("case", "agency").get(pk=case_file.pk)
    case = case_file.case
    require_agency_member(actor, case.agency_id)
    if role not in SIGN_LABELS:
        raise InvalidInput(f"签名栏只能是立卷人或检查人，不是“{role}”")
    if case.stage == Stage.ARCHIVED:
        raise StageError("案件已归档，案卷不能再签名")
    if role == COMPILER and not may_compile(actor, case):
        raise Forbidden("立卷人须为档案管理员或本案承办人员")
    if role == CHECKER and not may_check(actor, case):
        raise Forbidden("检查人须为档案管理员、承办机构负责人或机关负责人")
    if (case_file.compiler_id if role == COMPILER else case_file.checker_id) is not None:
        raise InvalidInput(f"{SIGN_LABELS[role]}已签名")
    other = case_file.checker_id if role == COMPILER else case_file.compiler_id
    if other == actor.pk:
        raise _r14("立卷人与检查人须为不同的两人")
    current = [d.pk for _, d in contents.ordered(case)]
    if current != [i["document_id"] for i in case_file.items]:
        raise _r14("组卷后本案文书已有变化（新定稿或更正），请重新组卷后再签名")
    now = timezone.now()
    if role == COMPILER:
        case_file.compiler, case_file.compiled_at = actor, now
    else:
        case_file.checker, case_file.checked_at = actor, now
    if case_file.compiler_id and case_file.checker_id:
        store = default_store()
        parts = [b"".join(store.open_range(i["pdf_sha256"])) for i in case_file.items]
        bound = volume.build(case_file, parts)
        conformance = pdfa.check(bound)  # the volume is kept as PDF/A, or not bound at all
        if not conformance.passed:
            raise _r14(f"案卷 PDF 不符合 PDF/A：{'；'.join(conformance.findings)}")
        stored = store.put([bound])
        case_file.pdf_sha256, case_file.pdf_size = stored.sha256, stored.size
    case_file.save()
    ledger.append(
        actor=actor,
        action="archive.signed",
        subject_type="case_file",
        subject_id=case_file.pk,
        case_ref=case.pk,
        at=now,
        body=_body(case_file, role=role, label=SIGN_LABELS[role], pdf_sha256=case_file.pdf_sha256 or None),
        rows=[case_file],
    )
    return case_file


@transaction.atomic
def change_retention(*, actor: User, case_file: CaseFile, years: int, reason: str) -> CaseFile:
    """rule R6: the archivist sets the 保管期限 (永久, 30年, 10年) with a reason; before binding only."""
    case_file = CaseFile.objects.select_for_update().select_related("case", "agency").get(pk=case_file.pk)
    require_agency_member(actor, case_file.agency_id)
    if actor.role != Role.ARCHIVIST:
        raise Forbidden("保管期限由档案管理员确定")
    if years not in RETENTION_LABELS:
        raise InvalidInput(f"保管期限只能是永久、30年或10年，不是“{years}”")
    if not reason.strip():
        raise InvalidInput("变更保管期限须说明理由")
    if case_file.compiler_id or case_file.checker_id:
        raise InvalidInput("案卷已有签名，变更保管期限须重新组卷")
    before = case_file.retention_label
    case_file.retention_years, case_file.retention_reason = years, reason.strip()
    case_file.save(update_fields=["retention_years", "retention_reason"])
    ledger.append(
        actor=actor,
        action="archive.retention_changed",
        subject_type="case_file",
        subject_id=case_file.pk,
        case_ref=case_file.case_id,
        body=_body(case_file, replaced=before, reason=case_file.retention_reason),
        rows=[case_file],
    )
    return case_file
