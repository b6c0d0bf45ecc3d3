"""The catalogue of enforcement documents (000 第八~十六条, 002 第八~三十一条, 003 第七~十一条)."""

from __future__ import annotations

from liuhen.core.documents import DocumentType, FieldKind, FieldSpec, SlotRole, SlotSpec

F, K, S, R = FieldSpec, FieldKind, SlotSpec, SlotRole
GENERAL, SIMPLE, INSPECT, LICENCE, COMPEL, COMPLAIN = (
    "general_procedure",
    "simplified_procedure",
    "inspection",
    "licence",
    "compulsion",
    "complaint",
)
PENALTY = (GENERAL, SIMPLE)

# Shared blocks ------------------------------------------------------------------------------------
TRANSCRIPT = (
    F("place", "地点"),
    F("started_at", "开始时间", K.DATETIME),
    F("ended_at", "结束时间", K.DATETIME),
    F("certificates_shown", "执法人员已出示执法证件", K.BOOL, must_be_true="I1"),
    F("av_notice", "已告知当事人开始音像记录", K.BOOL, required=False, help="I5"),
    F("party_objects", "当事人对执法活动有异议", K.BOOL, required=False, help="AV1、AV10：须全程音像记录"),
    F("dangerous", "现场存在危险或可能发生冲突", K.BOOL, required=False, help="AV1：须全程音像记录"),
    F("legacy_issue", "遗留问题处理", K.BOOL, required=False, help="AV10：须全程音像记录"),
)
FACTS = (
    F("facts", "违法事实", K.TEXTAREA),
    F("evidence", "证据", K.TEXTAREA),
    F("legal_basis", "法律依据", K.TEXTAREA),
)
TWO_OFFICERS = S(R.OFFICER, minimum=2)
PARTY_SIGNS = S(R.PARTY, refusable=True)
# A notice the party signs for when it is handed over; served otherwise (mail …), its 送达回证 names it (SV2)
SERVED = S(R.RECIPIENT, "当事人（当场签收；以其他方式送达的，以送达回证为准）", refusable=True, required=False)
SERVED_BY_RECEIPT = ("penalty_notice", "hearing_rights_notice", "demand_notice")
METHODS = (
    ("direct", "直接送达"),
    ("mail", "邮寄送达"),
    ("left_with", "留置送达"),
    ("entrusted", "委托送达"),
    ("forwarded", "转交送达"),
    ("public_notice", "公告送达"),
    ("electronic", "电子送达"),
)
CONCLUSIONS = (("agree", "同意"), ("agree_after_change", "修改后同意"), ("disagree", "不同意"))
# rule I3 (002 第十四条(三)): the forms of preservation, apart from where preserved things are kept
PRESERVATION_FORMS = (
    ("registration", "先行登记保存"),
    ("copy", "复制"),
    ("av", "音像"),
    ("appraisal", "鉴定"),
    ("survey", "勘验"),
    ("inquiry", "制作询问笔录"),
)
# rule S1 (000 第五条; 002 第七条): how an application came in
APPLICATION_CHANNELS = (("window", "窗口书面申请"), ("oral", "口头申请"), ("online", "网络申请"), ("mail", "邮寄申请"))
URGENT = (  # rule E4 (强制法43): no enforcement at night or on a rest day unless urgent, with the reason
    F("urgent", "情况紧急（夜间或法定节假日实施）", K.BOOL, required=False, help="E4"),
    F("urgent_reason", "紧急情况说明", K.TEXTAREA, required=False, help="E4"),
)
TOLD_HOW = (("written", "书面告知"), ("oral", "口头告知并记入笔录"), ("both", "书面并口头告知"))
MAIL_KINDS = (("registered", "挂号信"), ("ems", "特快专递（EMS）"))
NOTICE_FORMS = (("posting", "张贴公告"), ("newspaper", "登报公告"), ("website", "网站公告"), ("other", "其他方式"))
PARTY_RECEIVES = S(R.PARTY, "当事人（签收）", refusable=True)


def _t(
    code: str,
    name: str,
    stage: str,
    procedures: tuple[str, ...],
    fields: tuple[FieldSpec, ...],
    slots: tuple[SlotSpec, ...] = (),
    rules: tuple[str, ...] = (),
    **kw: object,
) -> DocumentType:
    return DocumentType(code, name, stage, procedures, fields, slots, rules, **kw)  # type: ignore[arg-type]


# fmt: off
CATALOGUE: tuple[DocumentType, ...] = (
    # Starting (S1–S4)
    _t("duty_log", "值班记录", "received", (COMPLAIN,), (
        F("received_at", "接报时间", K.DATETIME), F("reporter", "投诉举报人"), F("contact", "联系方式", required=False),
        F("content", "投诉举报内容", K.TEXTAREA), F("duty_leader_opinion", "值班领导意见", K.TEXTAREA),
    ), (S(R.OFFICER, "值班人员"),), ("S4",), records_act="duty_log"),
    _t("non_filing_notice", "不予立案告知书", "leader_review", (GENERAL, COMPLAIN), (
        F("recipient", "投诉举报人"),
        F("matter", "投诉举报事项", K.TEXTAREA),
        F("reason", "不予立案的理由和依据", K.TEXTAREA),
    ), (S(R.OFFICER, "经办人"),), ("S4",), records_act="complainant_notice", number_code="不立告"),
    _t("filing_approval", "立案审批表", "intake", (GENERAL, COMPLAIN), (
        F("case_source", "案件来源"), F("party_summary", "当事人基本情况", K.TEXTAREA),
        F("reason", "立案原因及简要案情", K.TEXTAREA),
        F("legality_review", "法制机构合法性审查意见（重大执法行为）", K.TEXTAREA, required=False, help="S2"),
    ), (), ("S2", "D9"), approval="filing"),
    _t("application_form", "申请登记表", "applied", (LICENCE,), (
        F("applicant", "申请人"), F("matter", "申请事项", K.TEXTAREA),
        F("channel", "申请方式", K.CHOICE, choices=APPLICATION_CHANNELS),
        F("received_at", "收到申请时间", K.DATETIME), F("materials", "提交的申请材料", K.TEXTAREA),
        F("oral_record", "口头申请内容（当场记录，经申请人确认）", K.TEXTAREA, required=False, help="S1"),
        F("online_capture", "网络申请电子数据留存说明（截图、照片作为附件添加）", K.TEXTAREA, required=False,
          help="S1：000 第五条"),
    ), (S(R.OFFICER, "登记人"), S(R.PARTY, "申请人", required=False)), ("S1",),
        records_act="application_registration", occurred_field="received_at"),
    _t("material_correction", "当场更正申请材料记录", "applied", (LICENCE,), (
        F("material", "申请材料名称"), F("error", "材料中的错误", K.TEXTAREA),
        F("corrected", "更正后的内容", K.TEXTAREA),
        F("applicant_confirmed", "申请人当场更正并确认", K.BOOL, must_be_true="S1"),
    ), (S(R.OFFICER, "经办人"), S(R.PARTY, "申请人")), ("S1",)),
    _t("supplement_notice", "补正材料通知书", "applied", (LICENCE,), (
        F("applicant", "申请人"), F("matter", "申请事项", K.TEXTAREA),
        F("items", "需补正的全部内容（一次性告知）", K.TEXTAREA), F("submit_by", "补正期限", K.DATE, required=False),
    ), (S(R.OFFICER, "经办人"), S(R.RECIPIENT, "申请人（签收）", refusable=True)), ("S1",),
        records_act="supplement_notice", number_code="补正"),
    _t("acceptance_receipt", "受理通知书（受理凭证）", "applied", (LICENCE,), (
        F("applicant", "申请人"), F("matter", "申请事项", K.TEXTAREA), F("materials", "收到的申请材料", K.TEXTAREA),
    ), (S(R.OFFICER, "经办人"), S(R.RECIPIENT, "申请人（签收）", refusable=True)), ("S1",), records_act="receipt",
        number_code="受理"),
    _t("refusal_decision", "不予受理决定书", "applied", (LICENCE,), (
        F("applicant", "申请人"), F("matter", "申请事项", K.TEXTAREA), F("reason", "不予受理的理由和依据", K.TEXTAREA),
        F("remedies", "申请人的权利（复议、诉讼或向有关机关申请）", K.TEXTAREA),
    ), (S(R.OFFICER, "经办人"), S(R.RECIPIENT, "申请人（签收）", refusable=True)), ("S1",),
        records_act="refusal_notice", number_code="不受理"),
    # Investigation (I1–I4)
    _t("inquiry_transcript", "询问笔录", "investigation", (GENERAL, COMPEL), (
        F("person", "被询问人"), F("person_id", "被询问人身份证件号码", required=False), *TRANSCRIPT,
        F("content", "询问内容", K.TEXTAREA),
    ), (TWO_OFFICERS, S(R.PARTY, "被询问人", refusable=True)), ("I1", "I2", "AV1"), investigation_record=True),
    _t("inspection_transcript", "现场检查笔录", "investigation", (GENERAL, INSPECT), (
        *TRANSCRIPT, F("content", "检查情况", K.TEXTAREA), F("findings", "发现的问题", K.TEXTAREA, required=False),
        F("after_commitment", "告知承诺后的核查", K.BOOL, required=False, help="AV1"),
        F("major_hazard", "现场处置重大事故隐患", K.BOOL, required=False, help="AV1"),
    ), (TWO_OFFICERS, PARTY_SIGNS), ("I1", "I2", "AV1", "AV2"), records_act="inspection_transcript",
        investigation_record=True),
    _t("survey_transcript", "勘验笔录", "investigation", (GENERAL,), (
        *TRANSCRIPT, F("object", "勘验对象"), F("content", "勘验情况", K.TEXTAREA),
    ), (TWO_OFFICERS, PARTY_SIGNS, S(R.WITNESS, required=False)), ("I1", "I2", "AV2"), investigation_record=True),
    _t("evidence_request", "调取证据通知书", "investigation", (GENERAL,), (
        F("recipient", "被调取单位或个人"), F("evidence_list", "调取的证据", K.TEXTAREA),
        F("submit_by", "提交期限", K.DATE),
    ), (TWO_OFFICERS, S(R.PARTY, "被调取单位或个人（签收）", refusable=True)), ("I2",), number_code="调证"),
    _t("preservation_list", "证据登记保存清单", "investigation", (GENERAL,), (
        F("reason", "先行登记保存的理由", K.TEXTAREA), F("items", "物品名称、规格、数量", K.TEXTAREA),
        F("form", "证据保全形式", K.CHOICE, choices=PRESERVATION_FORMS, help="I3：002 第十四条(三)"),
        F("storage", "保存方式", K.CHOICE, choices=(("onsite", "就地保存"), ("removed", "异地保存"))),
        F("place", "保存地点"),
    ), (TWO_OFFICERS, PARTY_SIGNS), ("I3", "AV1"), records_act="preservation", number_code="登保"),
    _t("sampling_voucher", "抽样取证凭证", "investigation", (GENERAL,), (
        F("items", "样品名称、规格、数量", K.TEXTAREA), F("place", "抽样地点"), F("sampled_at", "抽样时间", K.DATETIME),
    ), (TWO_OFFICERS, PARTY_SIGNS), ("I2", "AV2")),
    _t("appraisal_commission", "鉴定委托书", "investigation", (GENERAL,), (
        F("institution", "鉴定机构"), F("matters", "鉴定事项", K.TEXTAREA), F("materials", "送检材料", K.TEXTAREA),
    ), (S(R.OFFICER, "经办人"), PARTY_RECEIVES), ("I2",), number_code="鉴委"),
    _t("appraisal_opinion", "鉴定意见书", "investigation", (GENERAL, COMPEL), (
        F("institution", "鉴定机构"), F("commission_no", "鉴定委托书文号", required=False),
        F("object", "鉴定对象"), F("content", "鉴定事项和方法", K.TEXTAREA), F("result", "鉴定意见", K.TEXTAREA),
        F("appraisers", "鉴定人"), F("issued_on", "出具日期", K.DATE),
    ), (S(R.OFFICER, "经办人"), S(R.PARTY, "当事人（已告知鉴定意见）", refusable=True)), ("I2", "I7")),
    _t("examination_record", "检测、检验、专家评审结果记录", "investigation", (GENERAL, INSPECT, COMPEL), (
        F("kind", "种类", K.CHOICE,
          choices=(("test", "检测"), ("verification", "检验"), ("expert_review", "专家评审"))),
        F("performed_by", "检测检验机构或评审专家"), F("object", "对象"), F("content", "内容和方法", K.TEXTAREA),
        F("result", "结果", K.TEXTAREA), F("concluded_on", "结果日期", K.DATE),
    ), (S(R.OFFICER, "经办人"), S(R.PARTY, "当事人（已告知结果）", refusable=True)), ("I7",)),
    _t("refusal_record", "拒绝配合调查记录", "investigation", (GENERAL, INSPECT, COMPEL), (
        F("place", "地点"), F("occurred_at", "时间", K.DATETIME),
        F("certificates_shown", "执法人员已出示执法证件", K.BOOL, must_be_true="I1"),
        F("refused", "拒绝的事项", K.CHOICE, choices=(
            ("inquiry", "拒绝接受询问"), ("evidence", "拒绝提供证据材料"), ("inspection", "拒绝、阻挠检查"),
            ("signature", "拒绝在文书上签名"), ("other", "其他不配合情形"))),
        F("circumstances", "经过和情形", K.TEXTAREA),
    ), (TWO_OFFICERS, S(R.WITNESS, "见证人")), ("I1", "I2"), investigation_record=True),
    # Recusal (S7)
    _t("recusal_application", "回避申请记录", "investigation", (*PENALTY, COMPEL), (
        F("applicant", "申请人"), F("applied_at", "申请时间", K.DATETIME),
        F("form", "申请方式", K.CHOICE, choices=(("written", "书面申请"), ("oral", "口头申请（记录在案）"))),
        F("officers", "申请回避的人员"), F("reason", "申请理由", K.TEXTAREA),
    ), (S(R.PARTY, "申请人"), S(R.OFFICER, "记录人")), ("S7",)),
    _t("recusal_decision", "回避决定书", "investigation", (*PENALTY, COMPEL), (
        F("officers", "申请回避的人员"),
        F("decision", "决定", K.CHOICE, choices=(("granted", "同意回避"), ("refused", "驳回申请"))),
        F("reason", "理由", K.TEXTAREA), F("replacement", "更换的执法人员", required=False),
    ), (S(R.LEADER, "机关负责人"), PARTY_RECEIVES), ("S7",), number_code="回决"),
    _t("preservation_decision", "先行登记保存证据处理决定书", "investigation", (GENERAL,), (
        F("list_no", "保存清单文号"),
        F("decision", "处理决定", K.CHOICE, choices=(
            ("record", "采取记录、复制、拍照、录像等证据保全措施后退还"), ("appraisal", "送交检验、检测或鉴定"),
            ("confiscate", "依法应当没收，另行作出处罚决定"), ("return", "解除先行登记保存，退还物品"))),
        F("content", "处理决定内容和理由", K.TEXTAREA),
    ), (S(R.OFFICER, "经办人"), S(R.RECIPIENT, "当事人（签收）", refusable=True)), ("I3",), number_code="登保决"),
    # Notice and hearing (D4, D5)
    _t("penalty_notice", "行政处罚告知书", "notice", PENALTY, (
        *FACTS, F("proposed_penalty", "拟作出的行政处罚", K.TEXTAREA),
        F("proposed_fine", "拟罚款金额", K.MONEY, required=False, help="D4：决定的罚款不得高于此金额"),
        F("rights", "当事人的权利", K.TEXTAREA, help="陈述、申辩、申请回避，以及符合条件时要求听证的权利"),
        F("recusal_right", "已告知申请回避的权利", K.BOOL, must_be_true="S7"),
        F("told_how", "权利告知方式", K.CHOICE, choices=TOLD_HOW, help="S7（002 第十一条）"),
    ), (SERVED,), ("D4", "D5", "S7"), records_act="rights_notice",
        number_code="罚告"),
    _t("statement_transcript", "陈述申辩笔录（含复核意见）", "notice", PENALTY, (
        *TRANSCRIPT, F("statement", "当事人陈述、申辩内容", K.TEXTAREA), F("review", "复核意见", K.TEXTAREA),
        F("adopted", "是否采纳", K.CHOICE, choices=(("yes", "采纳"), ("partly", "部分采纳"), ("no", "不予采纳"))),
    ), (TWO_OFFICERS, PARTY_SIGNS), ("D4", "D8", "AV1"), records_act="statement", investigation_record=True),
    _t("hearing_rights_notice", "听证告知书", "notice", (GENERAL,), (
        F("proposed_penalty", "拟作出的行政处罚", K.TEXTAREA),
        F("proposed_fine", "拟罚款金额", K.MONEY, required=False, help="D4：决定的罚款不得高于此金额"),
        F("request_within", "申请听证的期限", help="D5：收到本告知书之日起5个工作日内"),
    ), (SERVED,), ("D5",), records_act="rights_notice",
        number_code="听告"),
    _t("hearing_notification", "听证通知书", "notice", (GENERAL,), (
        F("hearing_at", "听证时间", K.DATETIME), F("place", "听证地点"), F("chair_name", "听证主持人"),
        F("public", "是否公开听证", K.BOOL, required=False),
    ), (S(R.RECIPIENT, "当事人（签收）", refusable=True),), ("D5",), records_act="hearing_notice",
        number_code="听通"),
    _t("hearing_transcript", "听证笔录", "notice", (GENERAL,), (
        F("hearing_at", "听证时间", K.DATETIME), F("place", "听证地点"), F("participants", "参加人员", K.TEXTAREA),
        F("content", "听证过程", K.TEXTAREA),
    ), (S(R.CHAIR), S(R.RECORDER), PARTY_SIGNS), ("D5", "AV1", "AV2"), records_act="hearing"),
    _t("hearing_report", "听证报告", "notice", (GENERAL,), (
        F("summary", "听证情况", K.TEXTAREA), F("opinion", "处理意见和建议", K.TEXTAREA),
    ), (S(R.CHAIR),), ("D5",)),
    # Review and decision (D1–D3, D6, D8, D9)
    _t("investigation_report", "案件调查报告（处理呈批）", "review", (GENERAL,), (
        *FACTS, F("considerations", "应考虑的有关因素", K.TEXTAREA), F("proposal", "处理意见", K.TEXTAREA),
        F("drafter", "起草人"),
    ), (), ("D1", "D9"), records_act="investigation_report", approval="decision"),
    _t("legal_review_opinion", "法制审核意见书", "notice", (GENERAL, COMPEL, LICENCE), (
        F("reviewed_matter", "审核事项", K.TEXTAREA), F("opinion", "审核意见", K.TEXTAREA),
        F("suggestions", "建议", K.TEXTAREA, required=False),
        F("conclusion", "审核结论", K.CHOICE, choices=CONCLUSIONS),
    ), (S(R.LEGAL_REVIEWER),), ("D2",), records_act="legal_review"),
    _t("expert_opinion", "专家论证意见", "notice", (GENERAL,), (
        F("experts", "参加论证的专家", K.TEXTAREA),
        F("questions", "论证事项", K.TEXTAREA),
        F("opinion", "论证意见", K.TEXTAREA),
    ), (S(R.OFFICER, "记录人"),), ("D3",)),
    _t("collective_discussion", "集体讨论记录", "notice", (GENERAL,), (
        F("held_at", "讨论时间", K.DATETIME),
        F("participants", "参加人员", K.TEXTAREA),
        F("content", "讨论内容", K.TEXTAREA),
        F("conclusion", "讨论决定", K.TEXTAREA),
    ), (S(R.LEADER, "主持人"), S(R.RECORDER)), ("D3",), records_act="collective_discussion"),
    _t("penalty_decision", "行政处罚决定书", "decision", (GENERAL,), (
        *FACTS, F("penalty", "处罚决定", K.TEXTAREA), F("fine", "罚款金额", K.MONEY, required=False),
        F("performance", "履行方式和期限", K.TEXTAREA, help="E2：自收到本决定书之日起15日内缴纳罚款"),
    ), (), ("D6", "D9"), approval="decision", number_code="罚决", is_decision=True),
    _t("onsite_penalty_decision", "当场行政处罚决定书", "intake", (SIMPLE,), (
        *TRANSCRIPT, *FACTS[::2], F("penalty", "处罚决定", K.TEXTAREA), F("fine", "罚款金额", K.MONEY, required=False),
        F("statement", "当事人陈述、申辩", K.TEXTAREA), F("review", "复核意见", K.TEXTAREA),
        F("collected_onsite", "当场收缴罚款", K.BOOL, required=False),
        F("dispute_likely", "容易引起行政争议", K.BOOL, required=False, help="AV9：须音像记录"),
    ), (TWO_OFFICERS, PARTY_SIGNS), ("S5", "D6", "D8", "AV5", "AV9"), records_act="statement", number_code="当罚",
        is_decision=True, investigation_record=True),
    _t("onsite_decision_filing", "当场行政处罚决定备案表", "decision", (SIMPLE,), (
        F("decision_no", "决定书文号"), F("filed_on", "备案日期", K.DATE),
        F("received_by", "备案接收机构"),
        F("summary", "备案内容（当事人、违法事实、处罚决定、罚款收缴情况）", K.TEXTAREA),
    ), (S(R.OFFICER, "报备执法人员"),), ("D8",)),
    # Compulsory measures (I4)
    _t("compulsion_decision", "行政强制措施决定书", "intake", (COMPEL,), (
        *FACTS,
        F("measure", "强制措施", K.CHOICE, choices=(("seal", "查封"), ("seize", "扣押"), ("power_cut", "停止供电"))),
        F("items", "查封、扣押的场所、设施或者财物", K.TEXTAREA), F("term_days", "期限（日）", K.INTEGER),
    ), (), ("I4", "D6"), approval="compulsion", number_code="强决", is_decision=True),
    _t("seizure_list", "查封扣押清单", "in_force", (COMPEL,), (
        F("items", "物品名称、规格、数量、状况", K.TEXTAREA), F("place", "存放地点"),
        F("copies", "清单一式二份，一份交当事人", K.BOOL, must_be_true="I4"),
    ), (TWO_OFFICERS, PARTY_SIGNS, S(R.WITNESS, required=False)), ("I4", "AV1", "AV3")),
    _t("onsite_transcript", "现场笔录", "in_force", (COMPEL,), (
        *TRANSCRIPT, F("content", "实施情况", K.TEXTAREA),
        F("statement", "当事人陈述、申辩", K.TEXTAREA, required=False),
    ), (TWO_OFFICERS, PARTY_SIGNS, S(R.WITNESS, required=False)), ("I4", "AV3"), investigation_record=True),
    _t("extension_decision", "延长查封扣押期限决定书", "in_force", (COMPEL,), (
        F("reason", "延长理由", K.TEXTAREA), F("extension_days", "延长期限（日）", K.INTEGER),
    ), (S(R.RECIPIENT, "当事人（签收）", refusable=True),), ("I4",), records_act="extension_notice",
        number_code="延决", approval="extension"),
    _t("lift_decision", "解除查封扣押决定书", "in_force", (COMPEL,), (
        F("reason", "解除理由", K.TEXTAREA), F("items", "解除的物品", K.TEXTAREA),
    ), (S(R.RECIPIENT, "当事人（签收）", refusable=True),), ("I4",), records_act="lift_decision", number_code="解决"),
    _t("power_cut_notice", "停止供电通知书", "intake", (COMPEL,), (
        F("place", "停止供电的场所、设施"), F("reason", "理由和依据", K.TEXTAREA),
        F("cut_at", "停止供电时间", K.DATETIME, help="I4：安法70，提前24小时书面通知"),
    ), (S(R.RECIPIENT, "当事人（签收）", refusable=True),), ("I4",), number_code="停电通"),
    _t("power_cut_record", "停止供电记录", "in_force", (COMPEL,), (
        *TRANSCRIPT, F("cut_at", "实际停止供电时间", K.DATETIME), F("content", "实施情况", K.TEXTAREA),
        F("emergency", "危及生产安全的紧急情形（未提前24小时通知）", K.BOOL, required=False),
        F("emergency_reason", "紧急情形说明", K.TEXTAREA, required=False),
    ), (TWO_OFFICERS, PARTY_SIGNS, S(R.WITNESS, required=False)), ("I4", "AV3"), occurred_field="cut_at"),
    # Inspection and rectification (E1)
    _t("rectification_order", "责令限期整改指令书", "inspecting", (INSPECT, GENERAL), (
        F("problems", "存在的问题", K.TEXTAREA),
        F("requirements", "整改要求", K.TEXTAREA),
        F("deadline_on", "整改期限", K.DATE),
    ), (TWO_OFFICERS, S(R.RECIPIENT, "被检查单位（签收）", refusable=True)), ("E1",), records_act="rectification_order",
        number_code="责改"),
    _t("rectification_check", "整改复查意见书", "rectifying", (INSPECT, GENERAL), (
        F("checked_at", "复查时间", K.DATETIME),
        F("result", "复查情况", K.TEXTAREA),
        F("opinion", "复查意见", K.TEXTAREA),
    ), (TWO_OFFICERS, S(R.RECIPIENT, "被检查单位（签收）", refusable=True)), ("E1", "AV3"),
        records_act="rectification_check", number_code="复查", occurred_field="checked_at"),
    # Service (SV2–SV7)
    _t("delivery_receipt", "送达回证", "decision", (GENERAL, SIMPLE, COMPEL, LICENCE, INSPECT), (
        F("served_document", "送达文书名称及文号"), F("method", "送达方式", K.CHOICE, choices=METHODS),
        F("place", "送达地点"), F("served_at", "送达时间", K.DATETIME),
        F("refusal_reason", "拒收事由（留置送达）", K.TEXTAREA, required=False, help="SV4"),
        F("mail_kind", "邮寄方式（邮寄送达）", K.CHOICE, required=False, choices=MAIL_KINDS, help="SV3"),
        F("mail_no", "挂号信或特快专递单号（邮寄送达）", required=False, help="SV3"),
        F("receipt_signed_on", "回执签收日期（邮寄送达）", K.DATE, required=False, help="SV3：回执签收日期为送达日期"),
        F("entrust_reason", "委托、转交的原因", K.TEXTAREA, required=False, help="SV5"),
        F("intermediary", "受委托或代为转交的机关、单位", required=False, help="SV5"),
        F("failed_methods", "其他方式无法送达的情况（公告送达）", K.TEXTAREA, required=False, help="SV6"),
        F("notice_form", "公告方式（公告送达）", K.CHOICE, required=False, choices=NOTICE_FORMS, help="SV6"),
        F("notice_carrier", "公告载体：张贴地点或报刊、网站名称（公告送达）", required=False, help="SV6"),
        F("consent", "当事人书面同意电子送达", K.BOOL, required=False, help="SV7"),
    ), (S(R.SERVER), S(R.RECIPIENT, refusable=True), S(R.WITNESS, required=False)), ("SV2", "SV3", "SV4", "SV5",
                                                                                    "SV6", "SV7"),
        records_act="delivery"),
    # Enforcement (E3, E4)
    _t("demand_notice", "催告书", "enforcement", (*PENALTY, COMPEL), (
        F("decision_no", "行政决定文号"),
        F("obligation", "当事人应履行的义务", K.TEXTAREA),
        F("perform_by", "履行期限", K.DATE),
        F("consequences", "逾期不履行的后果", K.TEXTAREA),
    ), (SERVED,), ("E3",), records_act="demand_notice", number_code="催告"),
    _t("enforcement_decision", "行政强制执行决定书", "enforcement", (*PENALTY, COMPEL), (
        F("decision_no", "行政决定文号"), F("method", "强制执行方式", K.CHOICE, choices=(
            ("late_surcharge", "加处罚款"), ("transfer", "划拨存款、汇款"), ("auction", "拍卖或依法处理"),
            ("restore", "排除妨碍、恢复原状"), ("other", "其他"))),
        F("reasons", "理由和依据", K.TEXTAREA), F("executed_at", "执行时间", K.DATETIME), *URGENT,
    ), (), ("E3", "E4", "D6"), approval="decision", number_code="强执", is_decision=True),
    _t("substitute_performance_decision", "代履行决定书", "enforcement", (*PENALTY, COMPEL), (
        F("obligation", "需代履行的义务", K.TEXTAREA), F("performer", "代履行人"), F("cost", "代履行费用", K.MONEY),
        F("performed_at", "代履行时间", K.DATETIME), *URGENT,
    ), (), ("E4", "D6"), approval="decision", number_code="代履", is_decision=True),
    _t("court_application", "强制执行申请书", "enforcement", (*PENALTY, COMPEL), (
        F("court", "受理法院"), F("decision_no", "行政决定文号"), F("facts", "申请事项和理由", K.TEXTAREA),
        F("demand_served_on", "催告书送达日期", K.DATE),
    ), (S(R.LEADER, "机关负责人"),), ("E3",), records_act="court_application", number_code="执申"),
    _t("demand_statement", "催告陈述申辩及复核记录", "enforcement", (*PENALTY, COMPEL), (
        F("demand_no", "催告书文号"),
        F("made", "当事人是否陈述、申辩", K.CHOICE, choices=(
            ("stated", "当事人提出了陈述、申辩"), ("none", "当事人收到催告书后未陈述、申辩"))),
        F("statement", "当事人陈述、申辩的事实、理由和证据", K.TEXTAREA, required=False),
        F("review", "复核意见", K.TEXTAREA, required=False),
        F("adopted", "是否采纳", K.CHOICE, required=False,
          choices=(("yes", "采纳"), ("partly", "部分采纳"), ("no", "不予采纳"))),
    ), (S(R.OFFICER, "记录人"), S(R.PARTY, refusable=True, required=False)), ("E3",)),
    _t("enforcement_result", "强制执行结果记录", "enforcement", (*PENALTY, COMPEL), (
        F("route", "执行方式", K.CHOICE, choices=(("agency", "本机关强制执行"), ("court", "申请人民法院强制执行"))),
        F("result", "执行结果", K.TEXTAREA), F("completed_on", "执行完毕（终结）日期", K.DATE),
        F("court_ruling", "人民法院裁定书文号（申请法院执行的）", required=False, help="E5"),
        F("court_outcome", "人民法院执行结果（申请法院执行的）", K.CHOICE, required=False, choices=(
            ("executed", "裁定准予执行并已执行完毕"), ("partly", "部分执行"), ("refused", "裁定不予执行"),
            ("terminated", "执行中止或终结"))),
    ), (S(R.OFFICER, "记录人"),), ("E5",)),
    # Closing and records (D9, R3)
    _t("closing_approval", "结案审批表", "enforcement", (GENERAL, COMPEL), (
        F("summary", "案件办理情况", K.TEXTAREA), F("performance", "执行情况", K.TEXTAREA),
    ), (), ("D9", "E1"), approval="closing"),
    _t("av_explanation", "音像资料文字说明", "investigation", (GENERAL, SIMPLE, INSPECT, COMPEL, LICENCE), (
        F("recorded_by", "制作人"), F("recorded_at", "制作时间", K.DATETIME), F("place", "制作地点"),
        F("content", "证明对象和内容", K.TEXTAREA),
    ), (S(R.OFFICER, "制作人"),), ("R3",)),
)
# fmt: on

BY_CODE: dict[str, DocumentType] = {t.code: t for t in CATALOGUE}
if len(BY_CODE) != len(CATALOGUE):  # pragma: no cover - a table error, caught at import
    raise RuntimeError("two document types share a code")
