"""The demo agency's supervision: a finished review round (automatic and manual items, one file failed by a veto
item, a 整改通知), this month's playback draw with its checks, findings in the register (one opened from a
`liuhen verify` report on a recording file that went missing and was restored), and a 执法过错 case opened from
a decision revoked on reconsideration."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from liuhen.cases import services as cases
from liuhen.cases.access import register_read
from liuhen.cases.models import Case
from liuhen.media.models import Recording
from liuhen.supervision import oversight, services
from liuhen.supervision.models import FindingKind, ItemScore
from liuhen.supervision.tables import table_from_json

VETO_NOTE = "主要证据仅有现场检查笔录，未附检测报告，违法事实认定证据不足"


def _score_round(users: dict[str, Any], rnd: Any) -> None:
    failed = False
    for sheet in rnd.sheets.select_related("table", "case").order_by("pk"):
        table = table_from_json(sheet.table.body)
        for item in ItemScore.objects.filter(sheet=sheet, verdict="").order_by("pk"):
            it = table.item(item.code)
            if it.is_veto and it.code == "V5" and not failed:
                failed = True  # one file fails outright on a veto item (rule SU4)
                services.score_item(actor=sheet.reviewer, item=item, verdict="not_met", note=VETO_NOTE)
                continue
            deduction = 1 if it.code == "F2" else 0
            note = "个别文书用语不规范" if deduction else ""
            services.score_item(
                actor=sheet.reviewer, item=item, verdict="" if not it.is_veto else "met", deduction=deduction, note=note
            )
        services.submit_sheet(actor=sheet.reviewer, sheet=sheet)
        services.check_sheet(actor=users["zhengkai"], sheet=sheet, agree=True, opinion="复核无误")


def _verify_finding(users: dict[str, Any], agency: Any, progress: Callable[[str], object]) -> None:
    """Take one recording file out of the store, let `liuhen verify` find it, register the finding, put the file
    back and close the finding: the register shows what verify reports, and the demo stays verifiable."""
    from liuhen.ledger.verify import verify
    from liuhen.media.storage import LocalBlobStore, default_store

    store = default_store()
    rec = Recording.objects.filter(case__agency=agency).order_by("pk").first()
    if rec is None or not isinstance(store, LocalBlobStore):
        return
    path = store.path(rec.blob.sha256)
    aside = path.with_name(path.name + ".demo-aside")
    os.replace(path, aside)
    try:
        found = oversight.findings_from_verify(actor=users["zhengkai"], agency=agency, report=verify())
    finally:
        os.replace(aside, path)
    for f in found:
        oversight.close_finding(actor=users["zhengkai"], finding=f, closing="文件已从异地备份恢复，重新校验通过")
    progress(f"  账本校验发现音像文件缺失 {len(found)} 处，已登记并在恢复后确认整改（SU2）")


def load_supervision_demo(users: dict[str, Any], units: list[Any], progress: Callable[[str], object]) -> None:
    supervisor = users["zhengkai"]
    agency = supervisor.agency
    rnd = services.open_round(
        actor=supervisor,
        agency=agency,
        title=f"{timezone.localdate().year}年行政执法案卷评查",
        reviewers=[users["sunli"], users["liuyang"]],
        share_percent=100,
    )
    _score_round(users, rnd)
    services.publish_round(actor=supervisor, round=rnd)
    failed = rnd.sheets.filter(grade="fail").select_related("case__unit").first()
    if failed is not None:
        services.issue_rectification(
            actor=supervisor,
            round=rnd,
            unit=failed.case.unit,
            content=f"{failed.case.case_no} 为不合格卷（{VETO_NOTE}），请补强证据审查，30日内报送整改情况",
            due_on=timezone.localdate() + timedelta(days=30),
        )
    progress(f"  案卷评查：{rnd.sheets.count()} 份案卷已评分、复核并通报，1 份因否决项不合格，已签发整改通知（SU4）")
    month = timezone.localdate().strftime("%Y-%m")
    if oversight.month_recordings(agency, month):
        draw = oversight.draw_playback(actor=supervisor, agency=agency, month=month, share_percent=50)
        for check in draw.checks.select_related("recording", "recording__case"):
            rec = check.recording
            register_read(  # the play in the 调阅 viewer, as the stream registers it
                user=supervisor,
                case=rec.case,
                subject_type="recording",
                subject_id=rec.pk,
                what=rec.file_name,
                channel="stream",
                purpose="音像记录回放抽查",
            )
            oversight.record_playback_check(
                actor=supervisor,
                check=check,
                opening_statement=True,
                content_focus=False,
                interruptions_explained=True,
                device_officer_right=True,
                note="未摄录现场环境全貌",
            )
        progress(f"  {month} 音像记录回放抽查：抽取 {draw.checks.count()} 条并已检查（SU1）")
    case = Case.objects.filter(agency=agency, procedure="general_procedure", stage="closed").order_by("pk").first()
    oversight.open_finding(
        actor=supervisor,
        agency=agency,
        kind=FindingKind.NON_COMPLIANT,
        case=case,
        person=users["zhangwei"],
        description="回放抽查发现录像未摄录现场环境全貌",
        evidence="音像记录回放抽查记录",
        due_on=timezone.localdate() + timedelta(days=15),
    )
    _verify_finding(users, agency, progress)
    if case is not None:
        cases.record_act(
            actor=users["zhangwei"], case=case, kind="reconsideration", note="当事人向区人民政府申请行政复议"
        )
        oversight.open_fault_case(
            actor=supervisor,
            case=case,
            trigger="revoked",
            trigger_note="明山区人民政府明政复决〔2026〕3号撤销原处罚决定",
        )
        progress(f"  {case.case_no} 处罚决定被复议撤销，已立执法过错案件，责任依审批链拟定")
