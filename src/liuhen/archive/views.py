"""The archivist's pages: cases awaiting archiving with the R2 countdown, and a case's 案卷 (assemble, sign as
立卷人 or 检查人, set the 保管期限, archive, download the bound volume as a registered read)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from liuhen.archive import bag, file_disposal, inspection, queries, retention, services
from liuhen.archive.models import RETENTION_LABELS, CaseFile, Disposal, FileDisposal, R4Ground
from liuhen.cases.access import check_record
from liuhen.cases.queries import get_case, next_steps
from liuhen.cases.views import _run
from liuhen.core.errors import Forbidden, NotFound
from liuhen.core.permissions import Action
from liuhen.media import delivery
from liuhen.media.models import Recording
from liuhen.media.storage import default_store
from liuhen.web import reads
from liuhen.web.permissions import acting_user, page_needs


def _guard_all(request: HttpRequest, case: Any, found: CaseFile) -> HttpResponse | None:
    """rule R11: the volume and the package carry every record of the case; a reader who may not see one of them
    (a confidentiality mark) gets neither."""
    user = acting_user(request)
    try:
        check_record(user, case, "case", case.pk)
        for item in found.items:
            check_record(user, case, "document", item["document_id"])
        for rec_id in Recording.objects.filter(case=case).values_list("pk", flat=True):
            check_record(user, case, "recording", rec_id)
    except Forbidden as exc:
        return render(request, "web/refused.html", {"heading": "无权查看", "message": str(exc)}, status=403)
    return None


def _case(request: HttpRequest, case_id: int) -> Any:
    try:
        return get_case(acting_user(request), case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
@page_needs(Action.CASE_VIEW)
def archive_queue(request: HttpRequest) -> HttpResponse:
    rows = [
        {"case": c, "countdown": queries.countdown(c), "status": queries.status(c)}
        for c in queries.awaiting(acting_user(request))[:500]
    ]
    from liuhen.archive.backup import last_backup

    return render(request, "archive/queue.html", {"rows": rows, "last_backup": last_backup()})


@login_required
@page_needs(Action.CASE_VIEW)
def case_file(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    user = acting_user(request)
    found = CaseFile.objects.filter(case=case).select_related("compiler", "checker", "agency").first()
    archive_step = next((refusal for t, refusal in next_steps(case) if t.action == "archive"), None)
    recordings = list(Recording.objects.filter(case=case).select_related("blob").order_by("id")[:200])
    return render(
        request,
        "archive/case_file.html",
        {
            "case": case,
            "f": found,
            "items": found.items if found else [],
            "ended": services.ended(case),
            "countdown": queries.countdown(case) if services.ended(case) else None,
            "may_compile": services.may_compile(user, case),
            "may_check": services.may_check(user, case),
            "archive_refusal": archive_step,
            "disposed": found is not None and found.disposals.filter(status="approved").exists(),
            "file_disposals": list(found.disposals.select_related("proposed_by", "decided_by").order_by("id"))
            if found
            else [],
            "retentions": sorted(RETENTION_LABELS.items(), key=lambda kv: (kv[0] != 0, -kv[0])),
            "terms": [(rec, retention.term_of(rec)) for rec in recordings],
            "check": inspection.latest(found) if found else None,
            "r4": retention.r4_triggers(case),
            "marks": case.long_term_marks.select_related("recording", "marked_by").order_by("id"),
            "may_mark": retention.may_mark(user, case, None),
            "grounds": R4Ground.choices,
        },
    )


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def case_file_do(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    user = acting_user(request)
    do = request.POST.get("do", "")
    found = CaseFile.objects.filter(case=case).first()
    if do == "assemble":
        _run(
            request, lambda: services.assemble(actor=user, case=case, remarks=request.POST.get("remarks", "")), "已组卷"
        )
    elif do in (services.COMPILER, services.CHECKER) and found is not None:
        _run(
            request,
            lambda: services.sign(actor=user, case_file=found, role=do),
            f"已作为{services.SIGN_LABELS[do]}签名",
        )
    elif do == "retention" and found is not None:
        raw = request.POST.get("years", "")
        years = int(raw) if raw.isdigit() and len(raw) < 4 else -1
        _run(
            request,
            lambda: services.change_retention(
                actor=user, case_file=found, years=years, reason=request.POST.get("reason", "")
            ),
            "保管期限已变更",
        )
    elif do == "check" and found is not None:
        from django.contrib import messages

        if user.role != "archivist":
            messages.error(request, "不能办理：四性检测由档案管理员办理")
        elif _run(request, lambda: inspection.check_bound(actor=user, case=case), "已完成四性检测"):
            last = inspection.latest(found)
            if last is not None and not last.passed:
                messages.error(request, inspection.refusal(last).message)
    elif do == "r4_mark":
        raw = request.POST.get("recording", "")
        rec = Recording.objects.filter(pk=int(raw), case=case).first() if raw.isdigit() and len(raw) < 12 else None
        if raw and rec is None:
            raise Http404("本案没有该音像记录")
        _run(
            request,
            lambda: retention.mark_long_term(
                actor=user,
                case=case,
                recording=rec,
                ground=request.POST.get("ground", ""),
                note=request.POST.get("note", ""),
            ),
            "已标记长期保存（R4）",
        )
    elif do == "archive":
        _run(request, lambda: inspection.archive(actor=user, case=case), "四性检测通过，已归档")
    else:
        from django.contrib import messages

        messages.error(request, "不能办理：请先组卷，再由立卷人、检查人签名")
    return redirect("case_file", case_id=case.pk)


@login_required
@page_needs(Action.RECORD_READ)
def case_file_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    found = CaseFile.objects.filter(case=case).first()
    if found is None or not found.pdf_sha256:
        raise Http404("案卷尚未由立卷人、检查人签名，没有可下载的案卷")
    if found.disposals.filter(status="approved").exists():
        raise Http404("案卷已依鉴定销毁，见销毁清册")
    if (refused := _guard_all(request, case, found)) is not None:
        return refused
    reads.read(request, case, subject_type="case_file", subject_id=found.pk, what="案卷 PDF", channel="download")
    if delivery.offloaded():  # a bound volume of a long case is large: nginx or the object store sends it
        return delivery.offload(
            default_store(),
            found.pdf_sha256,
            content_type="application/pdf",
            filename=f"{found.file_no}.pdf",
            attachment=False,
        )
    response = HttpResponse(b"".join(default_store().open_range(found.pdf_sha256)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.file_no}.pdf"'
    return response


@login_required
@page_needs(Action.RECORD_READ)
def case_file_bag(request: HttpRequest, case_id: int) -> HttpResponse:
    """The archival package as a zip: the download is a registered read (R9), the export an event of its own."""
    case = _case(request, case_id)
    found = CaseFile.objects.filter(case=case).first()
    if found is None or not found.signed:
        raise Http404("案卷尚未由立卷人、检查人签名，没有可下载的档案包")
    if (refused := _guard_all(request, case, found)) is not None:
        return refused
    with tempfile.TemporaryDirectory(prefix="liuhen-bag-") as tmp:
        folder = Path(tmp) / found.file_no
        done = _run(request, lambda: bag.export(actor=acting_user(request), case=case, out=folder), "已导出档案包")
        if not done:
            return redirect("case_file", case_id=case.pk)
        reads.read(request, case, subject_type="case_file", subject_id=found.pk, what="档案包", channel="download")
        archive = shutil.make_archive(str(Path(tmp) / "bag"), "zip", root_dir=tmp, base_dir=found.file_no)
        data = Path(archive).read_bytes()
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{found.file_no}-bag.zip"'
    return response


@login_required
@page_needs(Action.CASE_VIEW)
def disposal(request: HttpRequest) -> HttpResponse:
    """rules R4–R6: recordings past their term (the archivist appraises), disposals waiting for the agency head."""
    user = acting_user(request)
    agency_id = user.agency_id or 0  # an instance administrator of no agency sees none
    if request.method == "POST":
        do = request.POST.get("do", "")
        target = request.POST.get("id", "")
        pk = int(target) if target.isdigit() and len(target) < 12 else 0
        if do == "propose":
            rec = Recording.objects.filter(pk=pk, case__agency_id=agency_id).first()
            if rec is None:
                raise Http404("没有该音像记录")
            _run(
                request,
                lambda: retention.propose_disposal(
                    actor=user, recording=rec, appraisal=request.POST.get("appraisal", "")
                ),
                "已提出鉴定销毁，待机关负责人批准",
            )
        elif do == "propose_file":
            case_file = CaseFile.objects.filter(pk=pk, agency_id=agency_id).first()
            if case_file is None:
                raise Http404("没有该案卷")
            _run(
                request,
                lambda: file_disposal.propose_file_disposal(
                    actor=user, case_file=case_file, appraisal=request.POST.get("appraisal", "")
                ),
                "已提出案卷鉴定销毁，待机关负责人批准",
            )
        elif do in ("approve_file", "refuse_file"):
            proposal = FileDisposal.objects.filter(pk=pk, case_file__agency_id=agency_id).first()
            if proposal is None:
                raise Http404("没有该案卷销毁申请")
            _run(
                request,
                lambda: file_disposal.decide_file_disposal(
                    actor=user,
                    disposal=proposal,
                    approve=do == "approve_file",
                    opinion=request.POST.get("opinion", ""),
                ),
                "已批准，案卷的音像和文书文件已销毁，销毁清册留存" if do == "approve_file" else "已不予批准",
            )
        elif do in ("approve", "refuse"):
            found = Disposal.objects.filter(pk=pk, proposed_by__agency_id=agency_id).first()
            if found is None:
                raise Http404("没有该销毁申请")
            _run(
                request,
                lambda: retention.decide_disposal(
                    actor=user, disposal=found, approve=do == "approve", opinion=request.POST.get("opinion", "")
                ),
                "已批准并销毁" if do == "approve" else "已不予批准",
            )
        return redirect("archive_disposal")
    pending = Disposal.objects.filter(proposed_by__agency_id=agency_id).select_related(
        "recording__case", "proposed_by", "decided_by"
    )
    return render(
        request,
        "archive/disposal.html",
        {
            "due": retention.past_term(user) if user.role == "archivist" else [],
            "disposals": pending.order_by("-id")[:200],
            "files_due": file_disposal.files_past_term(user) if user.role == "archivist" else [],
            "file_disposals": FileDisposal.objects.filter(case_file__agency_id=agency_id)
            .select_related("case_file__case", "proposed_by", "decided_by")
            .order_by("-id")[:200],
        },
    )


@login_required
@page_needs(Action.CASE_VIEW)
def case_file_check_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """The latest 四性检测 report as PDF/A, laid out from the report kept (its hash is in the ledger)."""
    case = _case(request, case_id)
    found = CaseFile.objects.filter(case=case).first()
    last = inspection.latest(found) if found else None
    if last is None:
        raise Http404("该案卷尚未进行四性检测")
    response = HttpResponse(inspection.report_pdf(last.data, case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.file_no if found else case.pk}-check.pdf"'
    return response
