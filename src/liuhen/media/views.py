"""Media pages: the player's stream (HTTP ranges), posters, unlinked triage, and the device registry."""

from __future__ import annotations

import re
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from liuhen.accounts.models import User
from liuhen.cases.access import access_history, register_read
from liuhen.cases.queries import visible_cases
from liuhen.cases.views import _run
from liuhen.core.errors import NotFound
from liuhen.core.permissions import Action
from liuhen.media import delivery, queries, services
from liuhen.media.models import Device, Recording
from liuhen.media.storage import BlobMissing, default_store
from liuhen.web import reads
from liuhen.web.permissions import acting_user, page_needs

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _recording(request: HttpRequest, recording_id: int) -> Recording:
    try:
        return queries.get_recording(acting_user(request), recording_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


PLAY_SESSION_KEY = "liuhen_plays"
PLAY_IDLE_SECONDS = 30 * 60  # a play with no request for this long is over; pressing play again is a new read
PLAY_TOUCH_SECONDS = 60  # how stale a play's last-seen time may get before it is written back to the session


def _join_play(request: HttpRequest, rec: Recording) -> None:
    """Every byte range of a stream belongs to a play registered as a read (rule R9): the first request of a play,
    whatever range it asks for, registers the read (asking for the purpose outside one's duty, which refuses the
    bytes until it is given); the seeks and ranges that follow within the play are the same read. A play is kept
    in the signed-in session, per recording, until it has been idle for PLAY_IDLE_SECONDS."""
    now = time.time()
    plays = dict(request.session.get(PLAY_SESSION_KEY, {}))
    key = str(rec.pk)
    play = plays.get(key)
    if play is not None and now - float(play.get("last", 0)) <= PLAY_IDLE_SECONDS:
        if now - float(play["last"]) > PLAY_TOUCH_SECONDS:
            plays[key] = {**play, "last": now}
            request.session[PLAY_SESSION_KEY] = plays
        return
    if rec.case is not None:
        seq = reads.read(
            request, rec.case, subject_type="recording", subject_id=rec.pk, what=rec.file_name, channel="stream"
        )
    else:
        seq = register_read(
            user=acting_user(request),
            case=None,
            subject_type="recording",
            subject_id=rec.pk,
            what=rec.file_name,
            channel="stream",
            purpose="待分配录像核对",
        )
    live = {k: v for k, v in plays.items() if now - float(v.get("last", 0)) <= PLAY_IDLE_SECONDS}
    live[key] = {"read": seq, "last": now}
    request.session[PLAY_SESSION_KEY] = live


@login_required
@page_needs(Action.RECORD_READ)
def stream(request: HttpRequest, recording_id: int) -> HttpResponse | StreamingHttpResponse:
    """The original file, with single byte ranges (206) so the player can seek (Django's FileResponse cannot)."""
    rec = _recording(request, recording_id)
    store = default_store()
    if delivery.offloaded():  # the object store or nginx sends the bytes and answers the ranges, after the read
        _join_play(request, rec)
        return delivery.offload(
            store, rec.blob_id, content_type=rec.blob.content_type, filename=rec.file_name, attachment=False
        )
    try:
        size = store.size(rec.blob_id)
    except BlobMissing as exc:
        raise Http404(str(exc)) from exc
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header:
        m = RANGE.match(header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        else:  # the last N bytes
            start = max(size - int(m.group(2)), 0)
        if start > end or start >= size:
            return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
    _join_play(request, rec)  # before a byte is sent: every range belongs to a registered play (R9)
    response = StreamingHttpResponse(
        store.open_range(rec.blob_id, start, end),
        status=status,
        content_type=rec.blob.content_type or "application/octet-stream",
    )
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(end - start + 1)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


@login_required
@page_needs(Action.RECORD_READ)
def poster(request: HttpRequest, recording_id: int) -> HttpResponse:
    rec = _recording(request, recording_id)
    if rec.poster_id is None:
        raise Http404("无截图")
    return HttpResponse(b"".join(default_store().open_range(rec.poster_id)), content_type="image/jpeg")


@login_required
@page_needs(Action.MEDIA_UPLOAD)
def unlinked(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if request.method == "POST":
        rec = _recording(request, int(request.POST.get("recording", "0")))
        case = visible_cases(user).filter(case_no=request.POST.get("case_no", "").strip()).first()
        if case is None:
            messages.error(request, "找不到该案号，或无权办理该案件")
        else:
            _run(
                request, lambda: services.assign_to_case(actor=user, recording=rec, case=case), f"已归入 {case.case_no}"
            )
        return redirect("media_unlinked")
    rows = queries.unlinked_to_handle(user).order_by("recorded_from")
    return render(request, "media/unlinked.html", {"rows": rows})


@login_required
@page_needs(Action.DEVICE)
def devices(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows = Device.objects.select_related("officer", "unit").prefetch_related("log").filter(agency=user.agency)
    officers = User.objects.filter(agency=user.agency, is_active=True, role__in=["officer", "unit_head"])
    return render(request, "media/devices.html", {"rows": rows.order_by("number"), "officers": officers})


@login_required
@require_POST
@page_needs(Action.DEVICE)
def device_log(request: HttpRequest, device_id: int) -> HttpResponse:
    user = acting_user(request)
    device = Device.objects.filter(pk=device_id, agency=user.agency).first()
    if device is None:
        raise Http404("设备不存在")
    _run(
        request,
        lambda: services.log_device(
            actor=user, device=device, kind=request.POST.get("kind", ""), note=request.POST.get("note", "")
        ),
        "已记录",
    )
    return redirect("media_devices")


@login_required
@page_needs(Action.MEDIA_UPLOAD)
def upload_page(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    cases = visible_cases(user).order_by("-created_at")
    wanted = request.GET.get("case", "")
    case = cases.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    return render(
        request,
        "media/upload.html",
        {"case": case, "cases": cases[:200], "devices": Device.objects.filter(agency=user.agency).order_by("number")},
    )


def _post_on_recording(request: HttpRequest, recording_id: int, command: Any, done: str) -> HttpResponse:
    rec = _recording(request, recording_id)
    _run(request, lambda: command(rec), done)
    return redirect(f"/cases/{rec.case_id}/media/") if rec.case_id else redirect("media_unlinked")


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def start_time(request: HttpRequest, recording_id: int) -> HttpResponse:
    """The start of a recording whose file had none, entered by an officer (rule R1); refused with the reason."""
    return _post_on_recording(
        request,
        recording_id,
        lambda rec: services.enter_start_time(
            actor=acting_user(request), recording=rec, recorded_from=request.POST.get("recorded_from", "")
        ),
        "已补记录制开始时间",
    )


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def interruption(request: HttpRequest, recording_id: int) -> HttpResponse:
    return _post_on_recording(
        request,
        recording_id,
        lambda rec: services.note_interruption(
            actor=acting_user(request),
            recording=rec,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            stated_in_next_segment=request.POST.get("stated") == "on",
            cannot_continue=request.POST.get("cannot_continue") == "on",
        ),
        "已记录中断说明" if request.POST.get("cannot_continue") != "on" else "已记录并报告主管人员（AV12）",
    )


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def statements(request: HttpRequest, recording_id: int) -> HttpResponse:
    return _post_on_recording(
        request,
        recording_id,
        lambda rec: services.review_recording(
            actor=acting_user(request),
            recording=rec,
            party_told=request.POST.get("party_told") == "on",
            opening_statement=request.POST.get("opening_statement") == "on",
            focus=request.POST.getlist("focus"),
            note=request.POST.get("note", ""),
        ),
        "已记录回放审查",
    )


@login_required
@require_POST
@page_needs(Action.CASE_WORK)
def evidence(request: HttpRequest, recording_id: int) -> HttpResponse:
    wanted = request.POST.get("explanation", "")
    return _post_on_recording(
        request,
        recording_id,
        lambda rec: services.mark_evidence(
            actor=acting_user(request), recording=rec, explanation_id=int(wanted) if wanted.isdigit() else 0
        ),
        "已作为证据，文字说明已关联",
    )


@login_required
@require_POST
@page_needs(Action.DEVICE)
def device_assign(request: HttpRequest, device_id: int) -> HttpResponse:
    user = acting_user(request)
    device = Device.objects.filter(pk=device_id, agency=user.agency).first()
    officer = User.objects.filter(username=request.POST.get("officer", ""), agency=user.agency).first()
    if device is None or officer is None:
        raise Http404("设备或人员不存在")
    _run(
        request,
        lambda: services.assign_device(actor=user, device=device, officer=officer),
        f"已分配给 {officer.display_name}",
    )
    return redirect("media_devices")


@login_required
@page_needs(Action.CASE_VIEW)
def access(request: HttpRequest, recording_id: int) -> HttpResponse:
    """The recording's own access history: every playback and download start, who, when and why (R9)."""
    rec = _recording(request, recording_id)
    rows = access_history(rec.case, "recording", rec.pk) if rec.case is not None else []
    return render(request, "media/access.html", {"recording": rec, "rows": rows})
