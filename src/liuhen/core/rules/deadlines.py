"""Every timed rule as a row: what starts it, how long it runs, what meets it, and where the law says so.

No period appears as a bare number anywhere else (brief, principle 3). Rows marked ``configurable`` may be
overridden by an agency (``liuhen.core.rules.agency_settings`` gives each its accepted range); the value here is
the default the rule catalogue gives.

Events (triggers and fulfilments) are named by what the system records:
- ``transition:<action>``: a case step, e.g. ``transition:decide``;
- ``act:<kind>``: a recorded act, e.g. ``act:delivery`` (the decision served), ``act:rights_notice``;
- ``approval:<kind>:proposed`` / ``approval:<kind>:approved``: the D9 chain;
- ``due:<row key>``: starts when another row's period ends (the court window after the appeal periods);
- ``document:<type>``: a document's first version finalised; ``case:violation_ended(_serious)``: S6, at registration;
- ``view_request:<step>``: a party's request to view records (R15);
- ``media:*``, ``disclosure:*``, ``calendar:year_end``: recorded by the audio-video, disclosure and
  scheduler parts of the system (the year's end, and the disclosure of an agency's own, belong to no case: their
  periods are the agency's, ``Deadline.agency``).

Kinds:
- ``deadline``: the agency must do ``fulfilled_by`` by the due time; it is overdue after;
- ``party_window``: the party may act until then; the right lapses after (shown, never "overdue");
- ``waiting``: ``fulfilled_by`` may not happen before the due time;
- ``effect``: a legal effect takes place at the due time (deemed service);
- ``retention``: the record is kept at least until then.

The units, kinds and the row's shape are in ``liuhen.core.rules.deadline_types``.
"""

from __future__ import annotations

from liuhen.core.rules.deadline_types import KIND_LABELS as KIND_LABELS
from liuhen.core.rules.deadline_types import UNIT_LABELS as UNIT_LABELS
from liuhen.core.rules.deadline_types import DeadlineKind as DeadlineKind
from liuhen.core.rules.deadline_types import DeadlineRule as DeadlineRule
from liuhen.core.rules.deadline_types import PeriodUnit as PeriodUnit

_PENALTY = ("general_procedure", "simplified_procedure")
D, PW, W, EF, RT = (
    DeadlineKind.DEADLINE,
    DeadlineKind.PARTY_WINDOW,
    DeadlineKind.WAITING,
    DeadlineKind.EFFECT,
    DeadlineKind.RETENTION,
)
H, WD, DY, MO, YR, FX, RD = (
    PeriodUnit.HOURS,
    PeriodUnit.WORKDAYS,
    PeriodUnit.DAYS,
    PeriodUnit.MONTHS,
    PeriodUnit.YEARS,
    PeriodUnit.FIXED_DATE,
    PeriodUnit.RECORDED_DATE,
)
_PUNISH = (*_PENALTY, "complaint")  # the procedures that can end in a penalty (S6)
# An entry published (its name says which P10 period it runs), or withheld with its reason: P2, P3 met
_PUBLISHED = (
    "disclosure:published",
    "disclosure:published_person",
    "disclosure:published_warning",
    "disclosure:withheld",
)

DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    DeadlineRule(
        "S3",
        "S3",
        "紧急启动后补报立案审批表",
        ("act:emergency_start",),
        24,
        H,
        ("approval:filing:proposed",),
        D,
        "002 第八条",
    ),
    DeadlineRule(
        "S6",
        "S6",
        "违法行为追责时效（一般）",
        ("case:violation_ended",),
        2,
        YR,
        ("transition:file", "transition:decide_on_spot", "transition:not_file"),
        D,
        "处罚法36",
        procedures=_PUNISH,
        note="自违法行为发生之日起计算，连续或继续状态的自行为终了之日起计算；"
        "涉及公民生命健康安全、金融安全且有危害后果的为5年，见 S6.serious；期满立案的予以拒绝",
    ),
    DeadlineRule(
        "S6.serious",
        "S6",
        "违法行为追责时效（危害生命健康、金融安全）",
        ("case:violation_ended_serious",),
        5,
        YR,
        ("transition:file", "transition:decide_on_spot", "transition:not_file"),
        D,
        "处罚法36",
        procedures=_PUNISH,
    ),
    DeadlineRule(
        "I3",
        "I3",
        "先行登记保存证据的处理决定",
        ("document:preservation_list",),
        7,
        WD,
        ("document:preservation_decision",),
        D,
        "002 第十四条; 处罚法56",
    ),
    DeadlineRule(
        "I4.report",
        "I4",
        "紧急实施强制措施后报告并补办批准",
        ("transition:emergency_measure",),
        24,
        H,
        ("approval:compulsion:approved",),
        D,
        "强制法19",
    ),
    DeadlineRule(
        "I4.term",
        "I4",
        "查封、扣押期限（决定书载明的期限短于30日的，从其期限）",
        ("transition:apply_measure", "transition:emergency_measure"),
        30,
        DY,
        ("transition:lift", "transition:extend"),
        D,
        "强制法25",
        set_by="compulsion_decision.term_days",
    ),
    DeadlineRule(
        "I4.extension",
        "I4",
        "延长后的查封、扣押期限（自原期限届满之日起算）",
        ("transition:extend",),
        30,
        DY,
        ("transition:lift",),
        D,
        "强制法25",
        set_by="extension_decision.extension_days",
        runs_from="I4.term",
    ),
    DeadlineRule(
        "I4.power",
        "I4",
        "停止供电须提前书面通知",
        ("document:power_cut_notice",),
        24,
        H,
        ("document:power_cut_record",),
        W,
        "安法70",
        note="紧急情况除外",
    ),
    DeadlineRule(
        "D5.request", "D5", "当事人申请听证", ("act:rights_notice",), 5, WD, ("act:hearing_request",), PW, "处罚法64"
    ),
    DeadlineRule(
        "D5.notice",
        "D5",
        "听证通知须在举行听证7个工作日前送达",
        ("act:hearing_notice",),
        7,
        WD,
        ("act:hearing",),
        W,
        "处罚法64",
    ),
    # A party's windows run from the date signed for on the 送达回证, or from the deemed service of a public
    # notice (SV6: ``due:SV6``), never from the notice itself
    DeadlineRule(
        "D6.reconsideration",
        "D6",
        "申请行政复议",
        ("act:delivery", "due:SV6"),
        60,
        DY,
        ("act:reconsideration",),
        PW,
        "复议法20",
    ),
    DeadlineRule(
        "D6.litigation", "D6", "提起行政诉讼", ("act:delivery", "due:SV6"), 6, MO, ("act:litigation",), PW, "行诉46"
    ),
    DeadlineRule(
        "D7",
        "D7",
        "一般程序自立案起作出处罚决定",
        ("approval:filing:approved",),
        90,
        DY,
        ("transition:decide", "transition:not_file"),
        D,
        "处罚法60",
        configurable=True,
        procedures=("general_procedure",),
        note="法律、法规、规章另有规定的从其规定",
    ),
    DeadlineRule(
        "SV1",
        "SV1",
        "决定书送达（当事人不在场）",
        ("transition:decide",),
        7,
        WD,
        ("act:delivery", "act:public_notice"),
        D,
        "处罚法61",
        procedures=("general_procedure",),
    ),
    DeadlineRule("SV6", "SV6", "公告送达视为送达", ("act:public_notice",), 30, DY, (), EF, "民诉95; 000 第十六条"),
    DeadlineRule(
        "E2",
        "E2",
        "缴纳罚款",
        ("act:delivery", "due:SV6"),
        15,
        DY,
        ("act:performance",),
        PW,
        "处罚法67",
        procedures=_PENALTY,
        note="逾期每日按罚款数额3%加处罚款，不超过罚款数额（处罚法72）",
    ),
    DeadlineRule(
        "E3.wait",
        "E3",
        "催告书送达10日后方可申请法院强制执行",
        ("act:demand_notice",),
        10,
        WD,
        ("act:court_application",),
        W,
        "强制法35、54",
    ),
    DeadlineRule(
        "E3.court",
        "E3",
        "申请法院强制执行",
        ("due:D6.litigation",),
        3,
        MO,
        ("act:court_application", "act:performance"),
        D,
        "强制法53",
        note="自复议、诉讼期限届满之日起三个月内；当事人已履行的不再需要",
    ),
    DeadlineRule(
        "E1",
        "E1",
        "责令改正的按期复查（整改期限届满前复查并记录）",
        ("document:rectification_order",),
        0,
        RD,
        ("document:rectification_check",),
        D,
        "000 第十七条; 002 第二十八条",
        set_by="rectification_order.deadline_on",
    ),
    DeadlineRule(
        "R1",
        "R1",
        "音像记录24小时内存入系统",
        ("media:recorded",),
        24,
        H,
        ("media:uploaded",),
        D,
        "002 第三十二条; 003 第十六条",
    ),
    DeadlineRule(
        "R1.remote",
        "R1",
        "异地、连续执法返回后24小时内存入系统",
        ("media:returned",),
        24,
        H,
        ("media:uploaded",),
        D,
        "003 第十六条",
    ),
    DeadlineRule(
        "R2",
        "R2",
        "结案后立卷归档",
        ("transition:close",),
        30,
        DY,
        ("transition:archive",),
        D,
        "002 第三十二条",
        configurable=True,
    ),
    DeadlineRule(
        "R5",
        "R5",
        "未归档的检查音像最短保存期",
        ("media:recorded",),
        6,
        MO,
        (),
        RT,
        "001 十",
        procedures=("inspection",),
    ),
    DeadlineRule(
        "R6",
        "R6",
        "案卷保管期限",
        ("transition:archive",),
        30,
        YR,
        ("archive:disposed",),
        RT,
        "004 第十二条",
        configurable=True,
        note="保管期限：永久、30年、10年",
    ),
    DeadlineRule(
        "R15",
        "R15",
        "答复当事人、利害关系人查阅记录的申请",
        ("view_request:received",),
        20,
        WD,
        ("view_request:replied", "view_request:extended"),
        D,
        "003 第十八条; 信息公开条例33",
        per_subject=True,
    ),
    DeadlineRule(
        "R15.extension",
        "R15",
        "延长后的答复期限（经负责人同意并告知申请人）",
        ("view_request:extended",),
        20,
        WD,
        ("view_request:replied",),
        D,
        "003 第十八条; 信息公开条例33",
        runs_from="R15",
        per_subject=True,
    ),
    DeadlineRule(
        "P2",
        "P2",
        "行政处罚决定公示",
        ("transition:decide", "transition:decide_on_spot"),
        7,
        WD,
        _PUBLISHED,
        D,
        "001 七; 118号; 安法78",
        procedures=_PENALTY,
    ),
    DeadlineRule(
        "P3.compulsion",
        "P3",
        "行政强制决定公示",
        ("transition:apply_measure", "transition:emergency_measure"),
        20,
        WD,
        _PUBLISHED,
        D,
        "001 七",
        configurable=True,
        procedures=("compulsion",),
    ),
    DeadlineRule(
        "P3.licence",
        "P3",
        "行政许可决定公示",
        ("transition:decide",),
        20,
        WD,
        _PUBLISHED,
        D,
        "001 七",
        configurable=True,
        procedures=("licence",),
        note="118号为7个工作日，机关可配置",
    ),
    DeadlineRule(
        "P4", "P4", "公示信息变更后更新", ("disclosure:changed",), 20, WD, ("disclosure:updated",), D, "001 八"
    ),
    DeadlineRule(
        "P5",
        "P5",
        "公示信息更正申请的核实处理",
        ("disclosure:correction_requested",),
        5,
        WD,
        ("disclosure:correction_handled",),
        D,
        "001 九",
        per_subject=True,
    ),
    DeadlineRule(
        "P6",
        "P6",
        "撤销、确认违法或重新作出的决定撤下公示",
        ("disclosure:revoked",),
        7,
        WD,
        ("disclosure:taken_down",),
        D,
        "001 九",
        configurable=True,
    ),
    DeadlineRule(
        "P6.penalty",
        "P6",
        "行政处罚决定被撤销等情形撤下公示（从严）",
        ("disclosure:revoked_penalty",),
        3,
        WD,
        ("disclosure:taken_down",),
        D,
        "处罚法48",
    ),
    DeadlineRule(
        "P7",
        "P7",
        "公布上一年度行政执法统计数据",
        ("calendar:year_end",),
        131,
        FX,
        ("disclosure:statistics_published",),
        D,
        "001 七",
        per_subject=True,  # one period per year, met by that year's tables (a late year does not meet the next)
        note="机关自身的期限，不属于任何案件：上一年度结束时起算，公布该年度统计数据即办结",
    ),
    DeadlineRule(
        "P10",
        "P10",
        "处罚决定公示期满撤下",
        ("disclosure:published",),
        5,
        YR,
        ("disclosure:taken_down",),
        RT,
        "本地公示规定（可配置）",
        configurable=True,
        note="自然人、警告另有较短期限（P10.person、P10.warning），公示时取先届满者",
    ),
    DeadlineRule(
        "P10.person",
        "P10",
        "行政相对人为自然人的公示期满撤下",
        ("disclosure:published_person",),
        2,
        YR,
        ("disclosure:taken_down",),
        RT,
        "本地公示规定（可配置，如河北雨花区：自然人2年）",
        configurable=True,
    ),
    DeadlineRule(
        "P10.warning",
        "P10",
        "仅受警告的处罚决定公示期满撤下",
        ("disclosure:published_warning",),
        3,
        MO,
        ("disclosure:taken_down",),
        RT,
        "本地公示规定（可配置；参照总局令第45号第十三条：通报批评、较低数额罚款公示3个月）",
        configurable=True,
    ),
)

# Rows whose trigger or fulfilment no part of the system emits yet, with the feature that will emit it. Every other
# row is opened and closed by a recorded event (tests/deadlines/test_rows.py walks each one). This list only
# shrinks: the test fails for a row listed here that has become live, and for any row added to it.
AWAITING_FEATURE: dict[str, str] = {}

BY_KEY: dict[str, DeadlineRule] = {r.key: r for r in DEADLINE_RULES}
if len(BY_KEY) != len(DEADLINE_RULES):  # pragma: no cover - a table error, caught at import
    raise RuntimeError("two deadline rows share a key")


def triggered_by(event: str, procedure: str) -> list[DeadlineRule]:
    return [r for r in DEADLINE_RULES if event in r.triggers and (not r.procedures or procedure in r.procedures)]


def fulfilled_by(event: str) -> list[DeadlineRule]:
    return [r for r in DEADLINE_RULES if event in r.fulfilled_by]
