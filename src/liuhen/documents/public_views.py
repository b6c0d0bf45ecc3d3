"""The public verification page (no login): a recipient checks a document by its code or QR code."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from liuhen.documents import pades, verification
from liuhen.ledger import signing

MAX_UPLOAD = 50 * 1024 * 1024  # a served document is far smaller


@require_http_methods(["GET"])
def verify_start(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip().upper()
    if code:
        if verification.find(code) is None:
            return render(request, "documents/verify.html", {"unknown": code}, status=404)
        return redirect("document_verify", code=code)
    return render(request, "documents/verify.html", {})


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    doc = verification.find(code)
    if doc is None:
        return render(request, "documents/verify.html", {"unknown": code}, status=404)
    issued = verification.issued(doc)
    result: dict[str, object] | None = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            result, status = {"error": "请选择要查验的 PDF 文件"}, 400
        elif upload.size is not None and upload.size > MAX_UPLOAD:
            result, status = {"error": "文件过大：出具的文书不会超过 50MB"}, 413
        else:
            same, sha = verification.matches(doc, upload.chunks())
            result = {"same": same, "sha256": sha, "name": upload.name}
    return render(
        request,
        "documents/verify.html",
        {
            "issued": issued,
            "doc": doc,
            "result": result,
            "proof_json": json.dumps(issued.proof, ensure_ascii=False, indent=2) if issued.proof else "",
            "checkpoint_key": signing.verifier_key(),
            "document_key": pades.certificate(doc.case.agency_id, doc.case.agency.name),
        },
        status=status,
    )


@require_http_methods(["GET"])
def verify_proof(request: HttpRequest, code: str) -> HttpResponse:
    doc = verification.find(code)
    if doc is None:
        raise Http404("查验码无效")
    issued = verification.issued(doc)
    if issued.proof is None:
        raise Http404("该文书尚未纳入已签名的检查点，请稍后再试")
    response = HttpResponse(json.dumps(issued.proof, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="proof-{issued.code}.json"'
    return response
