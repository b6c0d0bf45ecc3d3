"""How case data reads to a person: Chinese labels for timeline events and next steps."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from liuhen.accounts.models import User
from liuhen.cases.models import ActKind, ApprovalKind, Case, StepRole
from liuhen.cases.queries import mask, next_steps
from liuhen.core.periods import LOCAL
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.core.stages import STAGE_LABELS, Stage
from liuhen.ledger.models import Event
from liuhen.ledger.queries import case_timeline

ACTION_LABELS = {
    "case.created": "登记案件",
    "case.officer_assigned": "指派承办人员",
    "case.act_recorded": "记录",
    "case.marked_major": "认定为重大执法决定",
    "case.transition": "阶段变更",
    "approval.proposed": "承办人提交审批",
    "approval.reviewer_signed": "审核人签署意见",
    "approval.approver_signed": "批准人签署意见",
    "case.violation_recorded": "记录违法行为终了日期",
    "document.drafted": "制作文书草稿",
    "document.draft_saved": "保存文书草稿",
    "document.finalised": "文书定稿",
    "document.correction_started": "更正文书（新版本）",
    "document.attachment_added": "添加文书附件",
    "media.ingested": "音像记录存入系统",
    "media.linked": "音像记录关联案件",
    "media.reviewed": "音像记录回放审查",
    "media.interruption_noted": "记录音像中断情况",
    "media.start_entered": "补记音像录制开始时间（文件未载）",
    "media.marked_evidence": "音像记录作为证据",
    "media.triaged": "处置故障设备的音像记录",
    "media.device_review": "设备音像记录审查",
    "media.av_omission_requested": "申请不予音像记录",
    "media.av_omission_decided": "不予音像记录审批",
    "record.read": "调阅",
    "record.marked": "标注保密",
    "access.requested": "申请调阅",
    "access.decided": "调阅审批",
    "copy.requested": "登记复制申请",
    "copy.decided": "复制申请审批",
    "copy.provided": "提供复制件",
    "view_request.received": "收到查阅申请",
    "view_request.extended": "延长答复期限",
    "view_request.replied": "答复查阅申请",
    "deadline.ended": "期间届满",
    "document.rendered": "生成定稿文书文件（PDF/DOCX）",
    "setting.changed": "变更机关设置",
    "calendar.imported": "导入节假日安排",
    "agency.created": "设立机关",
    "unit.created": "设立内设机构",
    "user.created": "创建用户",
    "user.password_changed": "修改密码",
    "certificate.issued": "登记执法证件",
    "token.created": "创建接口令牌",
    "token.revoked": "撤销接口令牌",
    "copy.failed": "复制件制作失败",
    "copy.retried": "重新制作复制件",
    "device.registered": "登记执法记录仪",
    "device.assigned": "分配执法记录仪",
    "device.checked": "执法记录仪使用前检查",
    "device.logged": "记录设备日志",
    "archive.assembled": "组卷",
    "archive.signed": "案卷签署（立卷人、检查人）",
    "archive.retention_changed": "变更保管期限",
    "archive.exported": "导出档案包",
    "archive.checked": "四性检测",
    "archive.hold_placed": "暂停处置（复议、诉讼或投诉）",
    "archive.hold_lifted": "解除暂停处置",
    "archive.disposal_proposed": "提出销毁鉴定",
    "archive.disposal_decided": "销毁审批",
    "archive.file_disposal_proposed": "提出案卷整卷销毁鉴定",
    "archive.file_disposal_decided": "案卷整卷销毁审批",
    "archive.long_term_marked": "标记长期保存（R4）",
    "archive.backed_up": "备份",
    "ledger.backfilled": "补记旧版本事件未载明的列",
    "ledger.void": "空号占位（序号由已回滚的事务释放）",
    "disclosure.drafted": "拟制公示信息",
    "disclosure.published": "公示发布",
    "disclosure.withheld": "不予公示",
    "disclosure.updated": "更新公示信息",
    "disclosure.changed": "公示事项变更，待更新",
    "disclosure.revoked": "决定被撤销或变更，待撤下公示",
    "disclosure.taken_down": "撤下公示",
    "disclosure.correction_requested": "收到公示更正申请",
    "disclosure.correction_handled": "答复公示更正申请",
    "disclosure.statistics_published": "公布年度执法统计",
    "disclosure.inspection_item_saved": "维护随机抽查事项",
    "disclosure.inspection_item_withdrawn": "撤销随机抽查事项",
    "disclosure.prior_changed": "事前公开信息变更，待更新",
    "disclosure.prior_published": "发布事前公开信息",
    "calendar.year_ended": "年度结束（年度统计待公布）",
    "supervision.table_published": "发布评查标准",
    "supervision.round_opened": "开展案卷评查",
    "supervision.sheet_scored": "评查打分",
    "supervision.item_scored": "评查项目评分",
    "supervision.sheet_checked": "复核评查表",
    "supervision.round_published": "通报评查结果",
    "supervision.rectification_issued": "下发整改通知",
    "supervision.rectification_closed": "整改完毕",
    "supervision.playback_drawn": "抽取回放抽查样本",
    "supervision.playback_checked": "回放抽查",
    "supervision.finding_opened": "登记监督发现的问题",
    "supervision.finding_closed": "监督发现的问题整改完毕",
    "supervision.fault_opened": "立执法过错案",
    "supervision.fault_extended": "延长执法过错调查期限",
    "supervision.fault_decided": "执法过错处理决定",
}


def said(opinion: str, agree: bool) -> str:
    """A signed opinion with its verdict once: "经审核，同意", never "经审核，同意（同意）"."""
    opinion = (opinion or "").strip().rstrip("。.")
    verdict = "同意" if agree else "不同意"
    already = opinion.endswith("不同意") if not agree else opinion.endswith("同意") and not opinion.endswith("不同意")
    return opinion if already else (f"{opinion}（{verdict}）" if opinion else verdict)


def _local(at: Any) -> str:
    try:
        t = datetime.fromisoformat(str(at).replace("Z", "+00:00")).astimezone(LOCAL)
    except ValueError:
        return str(at)
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute:02d}分"  # as officials write it


def describe_event(event: Event, names: dict[str, str] | None = None) -> str:
    """What an event says, in Chinese; a username in its body reads as the person's name (``names``)."""
    body: dict[str, Any] = json.loads(event.body)
    names = names or {}
    action = event.action
    if action == "case.created":
        officers = "、".join(names.get(o, o) for o in body.get("officers") or [])
        return f"登记案件，案由：{body.get('cause', '')}" + (f"；承办人员：{officers}" if officers else "")
    if action == "case.officer_assigned":
        via = f"，依审批 #{body['approval']}" if body.get("approval") else ""
        who = names.get(body.get("officer") or "", body.get("officer"))
        return f"指派承办人员 {who}（执法证号 {body.get('certificate_no') or '无有效证件'}{via}）"
    if action == "case.act_recorded":
        label = ActKind(body["kind"]).label if body.get("kind") in ActKind.values else body.get("kind")
        note = body.get("note")
        text = f"记录：{label}" + (f"——{note}" if note else "")
        if body.get("backfill_reason"):  # entered after it happened: its own time and the reason are shown
            text = f"【补录】{text}（发生于 {_local(body.get('occurred_at'))}；补录理由：{body['backfill_reason']}）"
        return text
    if action == "case.marked_major":
        return f"认定为重大执法决定（D2）：{body.get('reason', '')}"
    if action == "case.transition":
        src = STAGE_LABELS.get(Stage(body["source"]), body["source"])
        dst = STAGE_LABELS.get(Stage(body["target"]), body["target"])
        return f"{body.get('label')}：{src} → {dst}"
    if action.startswith("approval."):
        kind = ApprovalKind(body["kind"]).label if body.get("kind") in ApprovalKind.values else body.get("kind")
        step = StepRole(body["step"]).label if body.get("step") in StepRole.values else body.get("step")
        opinion = str(body.get("opinion", "")).strip()
        words = opinion if action == "approval.proposed" else said(opinion, bool(body.get("agree")))
        text = f"{kind}：{step} {body.get('signed_name')}" + (f"：{words}" if words else "")
        if body.get("officer"):
            text += f"（拟指派 {names.get(body['officer'], body['officer'])}）"
        if body.get("flag"):
            text += f"【{body['flag']}】"
        if body.get("assigned_case_no"):  # rule S2: 立案 approved, the case takes its number
            text += f"；立案编号 {body['assigned_case_no']}（案源登记号 {body.get('intake_no', '')}）"
        return text
    if action.startswith("document.") and body.get("name"):
        version = f"第{body['version']}版" if body.get("version") else ""
        number = f" {body['document_no']}" if body.get("document_no") else ""
        return f"{ACTION_LABELS.get(action, '文书')}：{body['name']}{number}{version}"
    if action == "deadline.ended":
        rules = [BY_KEY[d["rule_key"]].title for d in body.get("deadlines", []) if d.get("rule_key") in BY_KEY]
        return f"期间届满：{'、'.join(rules)}" if rules else "期间届满"
    if action == "record.read":  # what was read stays in the 调阅记录: a recording's file name may be marked
        return f"调阅（{body.get('purpose', '')}）" if body.get("purpose") else "调阅"
    # every action has a Chinese label; the raw code shows only for an action this table does not know yet
    return ACTION_LABELS.get(action, action)


def people(usernames: set[str]) -> dict[str, str]:
    """Username → the person's name, for every username an event names (one query)."""
    return dict(User.objects.filter(username__in=usernames).values_list("username", "full_name"))


def timeline(case: Case) -> list[dict[str, Any]]:
    """What was done on the case, by whom (by name), in Chinese. Reads are not here: they are the case's 调阅记录
    (R9), on its own tab."""
    events = list(case_timeline(case.pk).exclude(action="record.read"))
    wanted = {e.actor for e in events}
    for e in events:
        if e.action in {"case.officer_assigned", "approval.proposed", "case.created"}:
            body = json.loads(e.body)
            wanted.update([str(body.get("officer") or ""), *(str(o) for o in body.get("officers") or [])])
    names = {k: v for k, v in people(wanted).items() if v}
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": names.get(e.actor) or ("系统" if e.actor == "system" else e.actor),
            "action": e.action,
            "label": ACTION_LABELS.get(e.action, e.action),
            "text": describe_event(e, names),
        }
        for e in events
    ]


def steps(case: Case) -> list[dict[str, Any]]:
    out = []
    for t, refusal in next_steps(case):
        out.append(
            {
                "action": t.action,
                "label": t.label,
                "target": t.target.value,
                "target_label": STAGE_LABELS[t.target],
                "allowed": refusal is None,
                "refusal": refusal.as_dict() if refusal else None,
            }
        )
    return out


def parties(case: Case, *, full: bool = False) -> list[dict[str, Any]]:
    """The parties as a page shows them: identifiers and phone numbers masked, or in full (``full``) for the
    officers handling the case, whose opening of the page is itself a registered read (R9)."""
    shown = (lambda v, *_: v) if full else mask
    return [
        {
            "id": p.pk,
            "kind": p.kind,
            "kind_label": p.get_kind_display(),
            "name": p.name,
            "id_number": shown(p.id_number) if p.id_number else "",
            "phone": shown(p.phone, 3, 2) if p.phone else "",
            "legal_representative": p.legal_representative,
        }
        for p in case.parties.all()
    ]
