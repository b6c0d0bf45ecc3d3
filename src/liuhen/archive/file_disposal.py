"""Disposal of a whole 案卷 past its 保管期限 (rule R6): the file's own term counted from 归档, the archivist's 鉴定
and the agency head's approval (a second person), refused under a legal hold or while a recording of the case keeps
a longer term (R4); the payload files leave the store, the 销毁清册 stays in its row and in the approval event, and
the case, its documents and the ledger stay. Built on the recordings' terms and holds in ``retention``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.archive.models import (
    PERMANENT,
    CaseFile,
    Disposal,
    DisposalStatus,
    FileDisposal,
)
from liuhen.archive.retention import Term, _delete_blob, _may_delete, _refuse, active_hold, term_of
from liuhen.cases.actors import require_agency_member
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden, InvalidInput
from liuhen.core.permissions import refuse_own_request
from liuhen.core.stages import Stage
from liuhen.ledger import services as ledger
from liuhen.media.models import Recording
from liuhen.media.storage import default_store

DISPOSED = "archive:disposed"  # what the deadline table calls an approved disposal of a whole 案卷 (R6 row)
DEADLINE_EVENTS = (DISPOSED,)


def file_period(case_id: int) -> int | None:
    """rule R6: the 案卷's own 保管期限 in years (0 永久), for the deadline row that counts it from 归档."""
    years = CaseFile.objects.filter(case_id=case_id).values_list("retention_years", flat=True).first()
    return None if years is None else int(years)


def file_term(case_file: CaseFile) -> Term:
    """The 案卷's term: its 保管期限 counted from the day the case was archived, as the R6 deadline row counts it."""
    from liuhen.agency_settings.services import deadline_rule
    from liuhen.core.rules.deadlines import BY_KEY
    from liuhen.deadlines.engine import due

    case = Case.objects.only("stage", "stage_changed_at", "agency_id").get(pk=case_file.case_id)
    if case.stage != Stage.ARCHIVED:
        return Term("R6", "案件尚未归档，保管期限自归档之日起算", None)
    if case_file.retention_years == PERMANENT:
        return Term("R6", f"案卷保管期限永久（{case_file.archival_code}）", None)
    years = case_file.retention_years
    row = replace(deadline_rule(BY_KEY["R6"], case.agency_id, case.stage_changed_at), period=years)
    end = due(row, case.stage_changed_at, None, None)
    archived = timezone.localtime(case.stage_changed_at).date()
    return Term("R6", f"案卷保管期限{years}年（自 {archived:%Y-%m-%d} 归档起算）", end.on)


def check_file_disposable(case_file: CaseFile, on: date | None = None) -> Term:
    """Raises RuleViolation unless the 案卷's term has passed, no hold is on the case, and every recording of the
    case is past its own term (R3–R5: a recording the case's records or an officer marked for long-term keeping
    may outlive a 10-year file)."""
    on = on or timezone.localdate()
    case = case_file.case
    hold = active_hold(case)
    if hold is not None:
        raise _refuse("R6", f"案件处于{hold.get_kind_display()}期间（{hold.reason}），一切保管期限暂停，不得销毁")
    term = file_term(case_file)
    if term.expires_on is None or on <= term.expires_on:
        until = f"，至 {term.expires_on:%Y-%m-%d} 期满" if term.expires_on else ""
        raise _refuse("R6", f"保管期限未满：{term.text}{until}，不得销毁")
    gone = Disposal.objects.filter(status=DisposalStatus.APPROVED, recording__case=case).values_list("recording_id")
    for rec in Recording.objects.filter(case=case).exclude(pk__in=gone).order_by("id"):
        kept = term_of(rec)
        if kept.expires_on is None or on <= kept.expires_on:
            until = f"，至 {kept.expires_on:%Y-%m-%d} 期满" if kept.expires_on else ""
            raise _refuse(kept.rule_id, f"音像记录 {rec.file_name} 保管期限未满：{kept.text}{until}，案卷不得整卷销毁")
    return term


def _shared(case: Case, sha: str) -> bool:
    """The same bytes are a record of another case (content-addressed store): they stay."""
    from django.db.models import Q

    from liuhen.access.models import CopyRequest
    from liuhen.documents.models import Attachment, Rendition

    others = ~Q(case=case)
    return (
        Recording.objects.filter(others, Q(blob_id=sha) | Q(poster_id=sha)).exists()
        or Rendition.objects.filter(Q(pdf_id=sha) | Q(docx_id=sha)).exclude(document__case=case).exists()
        or Attachment.objects.filter(blob_id=sha).exclude(document__case=case).exists()
        or CaseFile.objects.exclude(case=case).filter(Q(pdf_sha256=sha) | Q(contents__contains=sha)).exists()
        or CopyRequest.objects.filter(package_sha256=sha).exclude(case=case).exists()
    )


def payload(case_file: CaseFile) -> list[dict[str, Any]]:
    """What a whole-file disposal destroys, one 销毁清册 row per stored file: the bound volume, each document's
    PDF and DOCX as issued and its attachments, each recording (not already disposed) and its poster, each copy
    given. A file whose bytes are also another case's record is listed as kept."""
    from liuhen.access.models import CopyRequest
    from liuhen.core.documents.catalogue import BY_CODE
    from liuhen.documents.models import Attachment, Rendition

    case = case_file.case
    rows: list[tuple[str, str, str]] = []  # (kind, name, sha256)
    if case_file.pdf_sha256:
        rows.append(("案卷 PDF", f"{case_file.archival_code} {case_file.title}", case_file.pdf_sha256))
    for r in Rendition.objects.filter(document__case=case).select_related("document").order_by("document_id"):
        doc = r.document
        label = f"{BY_CODE[doc.doc_type].name} {doc.document_no or ''}（文书 id {doc.pk}，第{doc.version}版）"
        rows += [("文书 PDF", label, r.pdf_id), ("文书 DOCX", label, r.docx_id)]
    for a in Attachment.objects.filter(document__case=case).order_by("id"):
        rows.append(("文书附件", f"{a.name}（文书 id {a.document_id}）", a.blob_id))
    disposed = Disposal.objects.filter(status=DisposalStatus.APPROVED, recording__case=case).values_list("recording_id")
    for rec in Recording.objects.filter(case=case).exclude(pk__in=disposed).order_by("id"):
        rows.append(("音像记录", rec.file_name, rec.blob_id))
        if rec.poster_id:
            rows.append(("音像首帧截图", rec.file_name, rec.poster_id))
    for c in CopyRequest.objects.filter(case=case).exclude(package_sha256="").order_by("id"):
        rows.append(("复制件", f"复制申请 {c.pk}", c.package_sha256))
    store = default_store()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for kind, name, sha in rows:
        if sha in seen:
            continue
        seen.add(sha)
        shared = _shared(case, sha)
        size = store.size(sha) if store.exists(sha) else 0
        out.append(
            {
                "kind": kind,
                "name": name,
                "sha256": sha,
                "size": size,
                "destroy": not shared,
                "note": "与其他案件的记录为同一文件，保留" if shared else "",
            }
        )
    return out


@transaction.atomic
def propose_file_disposal(*, actor: User, case_file: CaseFile, appraisal: str) -> FileDisposal:
    """The archivist's 鉴定 of a whole 案卷 past its 保管期限 (rule R6)."""
    case_file = CaseFile.objects.select_for_update().select_related("case", "agency").get(pk=case_file.pk)
    require_agency_member(actor, case_file.agency_id)
    if actor.role != Role.ARCHIVIST:
        raise Forbidden("鉴定销毁由本机关档案管理员提出")
    if not appraisal.strip():
        raise InvalidInput("请填写鉴定意见（保管期满、无继续保存价值的理由）")
    if FileDisposal.objects.filter(case_file=case_file).exclude(status=DisposalStatus.REFUSED).exists():
        raise InvalidInput("该案卷已在销毁清册中")
    term = check_file_disposable(case_file)
    assert term.expires_on is not None
    listing = payload(case_file)
    d = FileDisposal.objects.create(
        case_file=case_file,
        term=term.text,
        expired_on=term.expires_on,
        appraisal=appraisal.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
        listing=json.dumps(listing, ensure_ascii=False, sort_keys=True),
    )
    ledger.append(
        actor=actor,
        action="archive.file_disposal_proposed",
        subject_type="file_disposal",
        subject_id=d.pk,
        case_ref=case_file.case_id,
        body={"case_no": case_file.case.case_no, "file_no": case_file.file_no, "term": term.text, "rule": "R6"},
        rows=[d],
    )
    return d


@transaction.atomic
def decide_file_disposal(*, actor: User, disposal: FileDisposal, approve: bool, opinion: str = "") -> FileDisposal:
    """The agency head approves (the payload files leave the store; the 销毁清册 stays, in this row and in the
    event) or refuses. A hold placed since, or a recording's term, still stops it."""
    d = (
        FileDisposal.objects.select_for_update(of=("self",))
        .select_related("case_file__case", "case_file__agency")
        .get(pk=disposal.pk)
    )
    case_file = d.case_file
    require_agency_member(actor, case_file.agency_id)
    if actor.role != Role.LEADER:
        raise Forbidden("销毁须经本机关负责人批准")
    refuse_own_request(decider_id=actor.pk, requester_ids=[d.proposed_by_id], what="销毁")
    if d.status != DisposalStatus.PROPOSED:
        raise InvalidInput(f"该销毁已{d.get_status_display()}")
    now = timezone.now()
    listing = d.entries
    if approve:
        check_file_disposable(case_file)
        listing = payload(case_file)  # what is there now (a recording disposed on its own since is not listed)
        for e in listing:
            e["destroyed"] = e.pop("destroy")
    d.status = DisposalStatus.APPROVED if approve else DisposalStatus.REFUSED
    d.decided_by, d.decided_at, d.opinion = actor, now, opinion.strip()
    d.listing = json.dumps(listing, ensure_ascii=False, sort_keys=True)
    d.save(update_fields=["status", "decided_by", "decided_at", "opinion", "listing"])
    ledger.append(
        actor=actor,
        action="archive.file_disposal_decided",
        subject_type="file_disposal",
        subject_id=d.pk,
        case_ref=case_file.case_id,
        at=now,
        body={
            "case_no": case_file.case.case_no,
            "file_no": case_file.file_no,
            "approved": approve,
            "destroyed": [e["sha256"] for e in listing if e.get("destroyed")] if approve else [],
            "deadline_events": list(DEADLINE_EVENTS) if approve else [],
        },
        rows=[d],
    )
    if approve:
        store = default_store()
        doomed = [e["sha256"] for e in listing if e["destroyed"]]
        for sha in doomed:  # nothing goes unless everything may go
            _may_delete(store, sha, now)
        for sha in doomed:
            _delete_blob(store, sha, now)
    return d


def file_tombstones() -> dict[str, str]:
    """sha256 → why it is gone, for every file destroyed with its whole 案卷."""
    out: dict[str, str] = {}
    approved = FileDisposal.objects.filter(status=DisposalStatus.APPROVED).select_related(
        "case_file__case", "decided_by"
    )
    for d in approved:
        who = d.decided_by.display_name if d.decided_by else ""
        for e in d.destroyed:
            if _shared(d.case_file.case, e["sha256"]):
                continue  # the same bytes came back as another case's record since: that record needs them
            out[e["sha256"]] = f"已随案卷 {d.case_file.file_no} 依鉴定销毁（案卷销毁 #{d.pk}，{who} 批准）"
    return out


def files_past_term(user: User, on: date | None = None) -> list[tuple[CaseFile, Term]]:
    """The archivist's list: archived case files of the agency whose 保管期限 has passed and that no hold keeps."""
    on = on or timezone.localdate()
    if user.agency_id is None:
        return []
    out: list[tuple[CaseFile, Term]] = []
    files = (
        CaseFile.objects.filter(agency_id=user.agency_id, case__stage=Stage.ARCHIVED)
        .exclude(retention_years=PERMANENT)
        .exclude(disposals__status__in=[DisposalStatus.APPROVED, DisposalStatus.PROPOSED])
        .select_related("case", "agency")
        .order_by("id")
    )
    for f in files[:1000]:
        term = file_term(f)
        if term.expires_on is not None and on > term.expires_on and active_hold(f.case) is None:
            out.append((f, term))
    return out


def tombstones() -> dict[str, str]:
    """sha256 → why it is gone, for every blob destroyed by an approved disposal (its poster too), and every file
    destroyed with its whole 案卷."""
    out: dict[str, str] = file_tombstones()
    for d in Disposal.objects.filter(status=DisposalStatus.APPROVED).select_related("recording", "decided_by"):
        why = f"已依鉴定销毁（销毁 #{d.pk}，{d.decided_by.display_name if d.decided_by else ''} 批准）"
        out[d.sha256] = why
        if d.recording.poster_id:
            out[d.recording.poster_id] = why
    return out
