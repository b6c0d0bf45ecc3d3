"""Document pages: make a draft from the schema, save, finalise with signatures, preview, correct."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin

from liuhen.accounts.models import Role, User
from liuhen.cases.access import access_history
from liuhen.cases.queries import get_case
from liuhen.cases.views import _run
from liuhen.core.documents import ATTACHMENT_KINDS, SlotRole
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.permissions import Action
from liuhen.documents import attachments, prefill, queries, services, stored
from liuhen.documents.forms import document_form, form_values
from liuhen.web import reads
from liuhen.web.permissions import acting_user, page_needs

# The drafts that keep files on their page, and what each file may be: a service's receipts and notice (SV3,
# SV6), an online application's screenshots and photos (S1)
ATTACHABLE: dict[str, list[tuple[str, str]]] = {
    "delivery_receipt": list(ATTACHMENT_KINDS.items()),
    "application_form": [("", "网络申请截图、照片")],
}


def _signed_at(value: str) -> datetime | None:
    """The paper form's signing time, as the page sends it (local time); blank is now."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=timezone.get_current_timezone())
    except ValueError:
        raise InvalidInput(f"签署时间格式不正确：{value}（应为 YYYY-MM-DD HH:MM）") from None


USER_SLOTS = {SlotRole.LEGAL_REVIEWER, SlotRole.LEADER, SlotRole.CHAIR, SlotRole.RECORDER, SlotRole.SERVER}


def _doc(request: HttpRequest, document_id: int) -> Any:
    try:
        return queries.get_document(acting_user(request), document_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
@page_needs(Action.CASE_WORK)
def document_new(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = get_case(acting_user(request), case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    code = request.GET.get("type") or request.POST.get("type", "")
    t = next((t for t in services.applicable_types(case) if t.code == code), None)
    if t is None:
        raise Http404("本案不使用该文书")
    form = document_form(t, request.POST or None, values=None if request.POST else prefill.values(case, t))
    if request.method == "POST" and form.is_valid():
        created: dict[str, Any] = {}

        def command() -> None:
            created["doc"] = services.create_document(
                actor=acting_user(request), case=case, code=t.code, data=form_values(t, form.cleaned_data)
            )

        if _run(request, command, f"{t.name}草稿已保存"):
            return redirect("document_detail", document_id=created["doc"].pk)
    return render(request, "documents/edit.html", {"case": case, "t": t, "form": form, "doc": None})


def _signatures(request: HttpRequest, doc: Any) -> list[services.SignatureRequest]:
    out = []
    for slot in doc.type.slots:
        role = slot.role.value
        if slot.role == SlotRole.OFFICER:
            out += [services.SignatureRequest(slot=role, username=u) for u in request.POST.getlist(f"{role}_users")]
            continue
        username = request.POST.get(f"{role}_username", "").strip()
        name = request.POST.get(f"{role}_name", "").strip()
        if username or name:
            out.append(
                services.SignatureRequest(
                    slot=role,
                    username=username,
                    name=name,
                    refused=request.POST.get(f"{role}_refused") == "on",
                    refusal_reason=request.POST.get(f"{role}_reason", ""),
                    witness_name=request.POST.get(f"{role}_witness", ""),
                )
            )
    return out


@login_required
@page_needs(Action.RECORD_READ)
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    doc = _doc(request, document_id)
    if request.method == "GET":
        reads.read(request, doc.case, subject_type="document", subject_id=doc.pk, what=doc.type.name, channel="page")
    if request.method == "POST":
        action = request.POST.get("do")
        if action == "save":
            form = document_form(doc.type, request.POST)
            if form.is_valid():
                _run(
                    request,
                    lambda: services.save_draft(
                        actor=acting_user(request), document=doc, data=form_values(doc.type, form.cleaned_data)
                    ),
                    "草稿已保存",
                )
        elif action == "attach":  # rules SV3, SV6: receipts and the notice kept with the document
            upload = request.FILES.get("file")
            _run(
                request,
                lambda: attachments.attach(
                    actor=acting_user(request),
                    document=doc,
                    kind=request.POST.get("kind", ""),
                    chunks=upload.chunks() if upload else [],
                    name=(upload.name or "") if upload else "",
                    content_type=(upload.content_type or "") if upload else "",
                ),
                "附件已保存",
            )
        elif action == "finalise":
            sigs = _signatures(request, doc)
            _run(
                request,
                lambda: services.finalise(
                    actor=acting_user(request),
                    document=doc,
                    signatures=sigs,
                    signed_at=_signed_at(request.POST.get("signed_at", "")),
                    backfill_reason=request.POST.get("backfill_reason", ""),
                ),
                "文书已定稿",
            )
        elif action == "correct":
            created: dict[str, Any] = {}

            def command() -> None:
                created["doc"] = services.correct(
                    actor=acting_user(request), document=doc, reason=request.POST.get("reason", "")
                )

            if _run(request, command, "已制作更正版本，请修改后定稿"):
                return redirect("document_detail", document_id=created["doc"].pk)
        return redirect("document_detail", document_id=doc.pk)
    chain = queries.versions(doc)
    history = [{"doc": v, "changes": queries.differences(chain[i - 1], v) if i else []} for i, v in enumerate(chain)]
    officers = [co.user for co in doc.case.officers.select_related("user")]
    staff = User.objects.filter(agency_id=doc.case.agency_id, is_active=True).exclude(role=Role.ADMIN)
    return render(
        request,
        "documents/detail.html",
        {
            "doc": doc,
            "case": doc.case,
            "info": queries.describe(doc),
            "history": history,
            "form": document_form(doc.type, values=doc.values) if not doc.is_final else None,
            "slots": [{"spec": s, "role": s.role.value, "user_slot": s.role in USER_SLOTS} for s in doc.type.slots],
            "officers": officers,
            "staff": staff,
            "latest": chain[-1].pk == doc.pk,
            "access_history": access_history(doc.case, "document", doc.pk)[:30],
            "attachment_kinds": ATTACHABLE.get(doc.doc_type, []),
        },
    )


@login_required
@xframe_options_sameorigin
@page_needs(Action.RECORD_READ)
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF, previewed on the page (``?view=1``) or downloaded: each is one read, registered when asked for."""
    doc = _doc(request, document_id)
    preview = request.GET.get("view") == "1"
    reads.read(
        request,
        doc.case,
        subject_type="document",
        subject_id=doc.pk,
        what=f"{doc.type.name} PDF",
        channel="preview" if preview else "download",
    )
    response = HttpResponse(stored.pdf_bytes(doc, interactive=True), content_type="application/pdf")
    if not preview:
        response["Content-Disposition"] = f'attachment; filename="document-{doc.pk}.pdf"'
    return response
