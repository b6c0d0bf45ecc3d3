"""案卷评查 scoring tables as data (rule SU4): veto items (基本标准), then 卷面 (form) and 内容 (content) points.

A table is versioned: an agency publishes its own version (``liuhen.supervision.services.publish_table``) and a
review round keeps the version it was opened with, so a later edit never rescores a finished round. The two
defaults below follow the common provincial and departmental 评查标准 (sources on each table and item); where
the sources give no number (the grade cut-offs, the hearing thresholds of the agency's province) the value is
a parameter of the table that the agency sets.

An item with ``check`` is decided by the system from the case's records (``liuhen.supervision.autoscore``),
with its evidence; the rest are scored by the reviewer. Point items deduct down to zero, never below; a failed
veto item sets the total to 0 and the file is 不合格卷.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Section(StrEnum):
    VETO = "veto"
    FORM = "form"
    CONTENT = "content"


SECTION_LABELS = {Section.VETO: "基本标准（否决项）", Section.FORM: "卷面标准", Section.CONTENT: "内容标准"}


@dataclass(frozen=True)
class Item:
    code: str
    section: str
    title: str
    points: int = 0  # 0 for a veto item
    check: str = ""  # the automatic check's name in liuhen.supervision.autoscore; "" = scored by the reviewer
    rule: str = ""  # how to deduct, as the source words it
    source: str = ""

    @property
    def is_veto(self) -> bool:
        return self.section == Section.VETO


@dataclass(frozen=True)
class Table:
    code: str
    title: str
    procedures: tuple[str, ...]
    source: str
    items: tuple[Item, ...]
    params: dict[str, int] = field(default_factory=dict)

    def item(self, code: str) -> Item:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def section_total(self, section: str) -> int:
        return sum(i.points for i in self.items if i.section == section)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def table_from_json(text: str) -> Table:
    raw: dict[str, Any] = json.loads(text)
    return Table(
        code=raw["code"],
        title=raw["title"],
        procedures=tuple(raw["procedures"]),
        source=raw["source"],
        items=tuple(Item(**i) for i in raw["items"]),
        params={k: int(v) for k, v in raw.get("params", {}).items()},
    )


def problems(table: Table) -> list[str]:
    """What makes a table unusable: points not 20 + 80, duplicate codes, unknown checks (checked on publish)."""
    from liuhen.supervision.autoscore import CHECKS

    out = []
    codes = [i.code for i in table.items]
    if len(set(codes)) != len(codes):
        out.append("评查项目编号重复")
    if table.section_total(Section.FORM) + table.section_total(Section.CONTENT) != 100:
        out.append("卷面与内容分值合计须为100分")
    for i in table.items:
        if i.check and i.check not in CHECKS:
            out.append(f"{i.code} 的自动评分项“{i.check}”不存在")
        if i.is_veto and i.points:
            out.append(f"{i.code} 为否决项，不计分值")
        if not i.is_veto and i.points <= 0:
            out.append(f"{i.code} 须有分值")
    if not 0 < table.params.get("pass", 0) <= table.params.get("excellent", 0) <= 100:
        out.append("等次分数线须满足 0 < 合格 ≤ 优秀 ≤ 100")
    return out


_MAPPING = "测绘地理信息行政处罚案卷评查标准（附件2）：基本标准否决，卷面20分、内容80分，扣完为止"
_RECORD_SHEET = "一般程序行政处罚案卷文书评查标准（记分表）"
_HENAN = "河南省行政执法案卷评查标准（试行）基础标准：每项扣100分"
_CITY = "市行政执法案卷评查暂行办法 第八条、第十条"
V, F, C = Section.VETO, Section.FORM, Section.CONTENT

_VETO_COMMON = (
    Item("V1", V, "实施主体合法（有主体资格，未超越职权，委托执法在委托范围内）", source=_HENAN),
    Item("V2", V, "执法人员具有执法资格（签名的执法人员签名时持有效执法证）", check="certified", source=_MAPPING),
    Item("V3", V, "执法人员不少于2人", check="two_officers", source=_MAPPING),
    Item("V4", V, "违法事实清楚", source=_MAPPING),
    Item("V5", V, "证据充分、合法", source=_MAPPING),
)

PENALTY_GENERAL = Table(
    code="penalty_general",
    title="行政处罚（一般程序）案卷评查表",
    procedures=("general_procedure",),
    source=f"{_MAPPING}；{_RECORD_SHEET}；{_HENAN}；{_CITY}",
    params={"excellent": 90, "pass": 60, "hearing_individual": 1000, "hearing_organisation": 30000},
    items=(
        *_VETO_COMMON,
        Item("V6", V, "定性正确", source=_MAPPING),
        Item("V7", V, "适用法律、法规、规章正确", source=_MAPPING),
        Item("V8", V, "程序合法", source=_MAPPING),
        Item("V9", V, "应移送其他机关的已移送", source=_MAPPING),
        Item("V10", V, "有行政处罚决定书（已定稿）", check="decision_document", source=_RECORD_SHEET),
        Item("F1", F, "使用统一的文书格式", 2, rule="未使用的扣2分", source=_MAPPING),
        Item("F2", F, "按文书规范填写", 4, rule="漏项、不完整、表述不清、用语不规范，每处扣1分", source=_MAPPING),
        Item("F3", F, "一案一卷", 2, rule="扣1分", source=_MAPPING),
        Item("F4", F, "统一卷宗封面", 1, rule="扣1分", source=_MAPPING),
        Item(
            "F5",
            F,
            "卷内目录按序填写，页码正确",
            2,
            rule="每处扣1分（卷内目录与页码由归档时编制，评查人员对照纸质或电子案卷评分）",
            source=_MAPPING,
        ),
        Item("F6", F, "按立案、调查取证、审查、决定、送达的顺序立卷", 1, rule="扣1分", source=_MAPPING),
        Item("F7", F, "逐页编号（右下角阿拉伯数字）", 2, rule="每处扣1分", source=_MAPPING),
        Item("F8", F, "笔录逐页签名，涂改处捺指印、盖章或签名", 3, rule="每处扣1分", source=_RECORD_SHEET),
        Item("F9", F, "证据粘贴、装订规范，无漏装、脱页", 3, rule="每处扣0.5～2分，至多扣3分", source=_CITY),
        Item(
            "C1",
            C,
            "在规定时间内立案（立案审批表经负责人批准；紧急先行启动的24小时内补报）",
            5,
            check="filing_on_time",
            rule="立案不及时扣全部分值",
            source=_RECORD_SHEET,
        ),
        Item(
            "C2",
            C,
            "立案审批表要素齐全（当事人、案源、案情、承办人意见、负责人审批）",
            3,
            rule="每缺一项扣0.5～1分",
            source=_RECORD_SHEET,
        ),
        Item(
            "C3",
            C,
            "每份笔录有两名持有效执法证的执法人员签名",
            6,
            check="records_two_officers",
            rule="任一笔录不符合扣全部分值",
            source=_RECORD_SHEET,
        ),
        Item("C4", C, "调查取证全面、证据保存规范", 10, rule="每处扣1～3分", source=_RECORD_SHEET),
        Item(
            "C5",
            C,
            "作出决定前已告知拟处罚的事实、理由、依据和权利",
            8,
            check="notice_before_decision",
            rule="未告知或决定后告知扣全部分值",
            source=_RECORD_SHEET,
        ),
        Item(
            "C6",
            C,
            "达到听证标准的已告知听证权利",
            6,
            check="hearing_offered",
            rule="未依法告知听证扣全部分值（标准：公民1000元、法人3万元以上罚款，机关按本省规定设置）",
            source=_RECORD_SHEET,
        ),
        Item(
            "C7", C, "陈述申辩已复核，采纳与否说明理由", 4, rule="未复核扣2分，说理不充分扣1～2分", source=_RECORD_SHEET
        ),
        Item(
            "C8",
            C,
            "重大案件经法制审核并集体讨论",
            5,
            check="collective_discussion",
            rule="未经集体讨论扣全部分值",
            source=_RECORD_SHEET,
        ),
        Item(
            "C9",
            C,
            "决定书要素齐全、说理充分，自由裁量适当",
            10,
            rule="每缺一项要素扣3分，至多扣10分",
            source=_RECORD_SHEET,
        ),
        Item(
            "C10",
            C,
            "决定书在7个工作日内送达",
            5,
            check="service_on_time",
            rule="未在7日内送达扣全部分值",
            source=f"{_RECORD_SHEET}；处罚法61",
        ),
        Item(
            "C11",
            C,
            "应音像记录的执法环节均有音像记录",
            8,
            check="av_complete",
            rule="每缺一处扣全部分值",
            source="001 五; 002 第十三条; 003 第十二条",
        ),
        Item(
            "C12",
            C,
            "各项法定期限均按期办理",
            5,
            check="deadlines_met",
            rule="任一期限逾期扣全部分值",
            source="处罚法60; 002 第三十二条",
        ),
        Item(
            "C13",
            C,
            "记录完整未被删改（账本校验一致）",
            5,
            check="ledger_verified",
            rule="任一记录与账本不一致扣全部分值",
            source="000 第二十四条; 002 第三十七条",
        ),
    ),
)

INSPECTION = Table(
    code="inspection",
    title="行政检查案卷评查表",
    procedures=("inspection",),
    source=f"{_MAPPING}；{_CITY}；002 第十、十二、十三条",
    params={"excellent": 90, "pass": 60},
    items=(
        *_VETO_COMMON,
        Item("V6", V, "有检查依据（检查计划或任务）", source=_CITY),
        Item("V7", V, "有现场检查笔录（已定稿）", check="inspection_transcript", source="002 第十二条"),
        Item("F1", F, "使用统一的文书格式", 4, rule="未使用的扣4分", source=_MAPPING),
        Item("F2", F, "按文书规范填写", 6, rule="每处扣1分", source=_MAPPING),
        Item(
            "F3",
            F,
            "卷内目录按序填写，页码正确，逐页编号",
            5,
            rule="每处扣1分（卷内目录与页码由归档时编制，评查人员对照案卷评分）",
            source=_MAPPING,
        ),
        Item("F4", F, "笔录逐页签名，涂改处捺指印、盖章或签名", 5, rule="每处扣1分", source=_RECORD_SHEET),
        Item(
            "C1",
            C,
            "每份笔录有两名持有效执法证的执法人员签名",
            15,
            check="records_two_officers",
            rule="任一笔录不符合扣全部分值",
            source="002 第十条",
        ),
        Item("C2", C, "检查内容清楚，记录准确客观全面，被检查人意见及签名", 15, rule="每处扣2分", source=_RECORD_SHEET),
        Item("C3", C, "发现问题的已责令整改并复查", 15, rule="未责令整改或未复查扣全部分值", source="002 第三十条"),
        Item(
            "C4",
            C,
            "应音像记录的检查环节均有音像记录",
            15,
            check="av_complete",
            rule="每缺一处扣全部分值",
            source="001 五; 002 第十三条",
        ),
        Item(
            "C5",
            C,
            "各项法定期限均按期办理",
            10,
            check="deadlines_met",
            rule="任一期限逾期扣全部分值",
            source="002 第三十二条",
        ),
        Item(
            "C6",
            C,
            "记录完整未被删改（账本校验一致）",
            10,
            check="ledger_verified",
            rule="任一记录与账本不一致扣全部分值",
            source="000 第二十四条; 002 第三十七条",
        ),
    ),
)

DEFAULT_TABLES: dict[str, Table] = {t.code: t for t in (PENALTY_GENERAL, INSPECTION)}


def default_for(procedure: str) -> Table | None:
    for t in DEFAULT_TABLES.values():
        if procedure in t.procedures:
            return t
    return None
