"""The mandatory audio-video recording list (rules AV1–AV13) as data, and the coverage arithmetic.

003 第十二条 asks the agency to publish its list of activities recorded on video: this table is that list.
Each row names an activity as the system records it, a finalised document of a type (``doc:<code>``), with the
conditions on its content under which the row applies, and what the rules ask of it. The activity's time is
read from the document: its start and end (到达、离开现场) where it records them, else its one time (served,
sampled, checked, executed), else the time it was finalised.

A required activity needs a linked recording made during it (AV1–AV3, AV9, AV10), or, where the rule asks for
it, recordings without a break from arrival to departure (AV4). It may be left unrecorded only for a reason of
AV6's closed list, per activity, approved by the handling unit's head; AV2's activities also allow
"unsuitable" (002 第十三条). A covering recording is reviewed on playback: I5, AV8 and the content focus of
AV11 are checked there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class AVRequirement(StrEnum):
    REQUIRED = "required"  # AV1, AV3, AV9, AV10: whole-process recording
    UNLESS_UNSUITABLE = "unless_unsuitable"  # AV2: required unless unsuitable (approved omission)
    UNINTERRUPTED = "uninterrupted"  # AV4: arrival to departure without a break
    OPTIONAL = "optional"  # AV5: as the situation needs


REQUIREMENT_LABELS = {
    AVRequirement.REQUIRED: "必须全程音像记录",
    AVRequirement.UNLESS_UNSUITABLE: "应当音像记录（不适宜的除外）",
    AVRequirement.UNINTERRUPTED: "到达至离开不间断记录",
    AVRequirement.OPTIONAL: "视情音像记录",
}

Condition = tuple[str, str | bool]  # (field, value): the document's field holds this value


@dataclass(frozen=True)
class AVRule:
    rule_id: str
    activity: str  # "doc:<code>": a finalised document of this type records the activity
    label: str
    requirement: AVRequirement
    source: str
    when: tuple[Condition, ...] = ()  # the row applies if any condition holds (always, when empty)
    major_case: bool = False  # AV10: the row applies to a major or complex case

    @property
    def mandatory(self) -> bool:
        return self.requirement != AVRequirement.OPTIONAL

    @property
    def doc_type(self) -> str:
        return self.activity.removeprefix("doc:")

    @property
    def condition_text(self) -> str:
        parts = [f"{f}={'是' if v is True else v}" for f, v in self.when]
        return ("重大复杂案件；" if self.major_case else "") + "或".join(parts)

    def applies(self, data: Mapping[str, Any], *, major: bool) -> bool:
        if self.major_case and not major:
            return False
        return not self.when or any(data.get(f) == v for f, v in self.when)


REQ, UNSUITABLE, UNBROKEN, OPTIONAL = (
    AVRequirement.REQUIRED,
    AVRequirement.UNLESS_UNSUITABLE,
    AVRequirement.UNINTERRUPTED,
    AVRequirement.OPTIONAL,
)
ON_SITE = (  # the on-site records (their content carries 到达/离开 times and the dispute and danger marks)
    "inquiry_transcript",
    "inspection_transcript",
    "survey_transcript",
    "statement_transcript",
    "onsite_transcript",
    "onsite_penalty_decision",
)
DISPUTED: tuple[Condition, ...] = (("party_objects", True), ("dangerous", True))
LEFT_WITH: tuple[Condition, ...] = (("method", "left_with"),)
PUBLIC_NOTICE: tuple[Condition, ...] = (("method", "public_notice"),)

AV_RULES: tuple[AVRule, ...] = (
    # 001 五: whole-process recording
    AVRule("AV1", "doc:inspection_transcript", "告知承诺后的现场核查", REQ, "001 五", (("after_commitment", True),)),
    *(AVRule("AV1", f"doc:{code}", "有争议或存在危险的执法活动", REQ, "001 五", DISPUTED) for code in ON_SITE),
    AVRule("AV1", "doc:onsite_transcript", "实施行政强制措施", REQ, "001 五"),
    AVRule("AV1", "doc:preservation_list", "证据先行登记保存", REQ, "001 五"),
    AVRule("AV1", "doc:inspection_transcript", "现场处置重大事故隐患", REQ, "001 五", (("major_hazard", True),)),
    AVRule("AV1", "doc:inquiry_transcript", "立案后询问", REQ, "001 五"),
    AVRule("AV1", "doc:statement_transcript", "听取陈述、申辩", REQ, "001 五"),
    AVRule("AV1", "doc:hearing_transcript", "举行听证", REQ, "001 五"),
    AVRule("AV1", "doc:delivery_receipt", "留置送达", REQ, "001 五", LEFT_WITH),
    AVRule("AV1", "doc:delivery_receipt", "公告送达", REQ, "001 五", PUBLIC_NOTICE),
    # 002 第十三条: required unless unsuitable
    AVRule("AV2", "doc:inspection_transcript", "现场检查（勘验）", UNSUITABLE, "002 第十三条"),
    AVRule("AV2", "doc:survey_transcript", "现场勘验", UNSUITABLE, "002 第十三条"),
    AVRule("AV2", "doc:sampling_voucher", "抽样取证", UNSUITABLE, "002 第十三条"),
    AVRule("AV2", "doc:hearing_transcript", "听证", UNSUITABLE, "002 第十三条"),
    # 002 第十五、二十五、二十七、二十八、三十条
    AVRule("AV3", "doc:onsite_transcript", "实施查封、扣押等强制措施", REQ, "002 第十五条"),
    AVRule("AV3", "doc:lift_decision", "解除查封、扣押（返还财物）", REQ, "002 第十五条"),
    AVRule("AV3", "doc:delivery_receipt", "留置送达", REQ, "002 第二十五条", LEFT_WITH),
    AVRule("AV3", "doc:delivery_receipt", "公告送达", REQ, "002 第二十七条", PUBLIC_NOTICE),
    AVRule("AV3", "doc:rectification_check", "整改复查（安全设备设施）", REQ, "002 第二十八条"),
    AVRule(
        "AV3",
        "doc:enforcement_decision",
        "排除妨碍、恢复原状的强制执行",
        REQ,
        "002 第三十条",
        (("method", "restore"),),
    ),
    # 003 第十二、十四条: uninterrupted, arrival to departure
    AVRule(
        "AV4",
        "doc:onsite_transcript",
        "直接涉及重大财产权益的现场执法（查封、扣押、停止供电）",
        UNBROKEN,
        "003 第十二、十四条",
    ),
    # 001 六; 002 第二十二条: as the situation needs
    AVRule("AV5", "doc:rectification_order", "日常检查中责令整改", OPTIONAL, "001 六; 002 第二十二条"),
    AVRule("AV5", "doc:onsite_penalty_decision", "简易程序当场处罚", OPTIONAL, "001 六; 002 第二十二条"),
    # 002 第二十二条: simplified acts likely to cause a dispute
    AVRule(
        "AV9",
        "doc:onsite_penalty_decision",
        "容易引起行政争议的简易程序执法",
        REQ,
        "002 第二十二条",
        (("dispute_likely", True), ("party_objects", True)),
    ),
    # 004 第五条: major or complex cases, enforcement the party objects to
    *(AVRule("AV10", f"doc:{code}", "重大复杂案件的现场执法", REQ, "004 第五条", major_case=True) for code in ON_SITE),
    *(
        AVRule(
            "AV10",
            f"doc:{code}",
            "遗留问题处理及当事人有异议的执法活动",
            REQ,
            "004 第五条",
            (("party_objects", True), ("legacy_issue", True)),
        )
        for code in ON_SITE
    ),
)

BY_DOC_TYPE: dict[str, tuple[AVRule, ...]] = {}
for _r in AV_RULES:
    BY_DOC_TYPE[_r.doc_type] = (*BY_DOC_TYPE.get(_r.doc_type, ()), _r)

OMISSION_RULE = "AV6"  # 001 七; 004 第十九条; 000 第十条: the closed list of reasons, approved per activity
OMISSION_REASONS = ("flammable", "classified")  # AV6: flammable/explosive site, classified site
UNSUITABLE_REASON = "unsuitable"  # AV2 only (002 第十三条 “不适宜的除外”)


def omission_allowed(rule: AVRule, reason: str) -> bool:
    """rule AV6: whether an approved reason lets this row's activity go unrecorded."""
    return reason in OMISSION_REASONS or (reason == UNSUITABLE_REASON and rule.requirement == UNSUITABLE)


# The content focus a playback review checks (rule AV11, 003 第十三条), with I5 and AV8 (003 第十四条(一)).
FOCUS: dict[str, str] = {
    "scene": "执法现场环境",
    "people": "现场有关人员的体貌特征和言行举止",
    "key_items": "重要涉案物品及其主要特征",
    "measures": "对人员、财物采取措施的情况",
    "documents_served": "现场制作、送达文书的情况",
}

START_FIELDS = (
    "started_at",
    "hearing_at",
    "sampled_at",
    "served_at",
    "checked_at",
    "executed_at",
    "performed_at",
    "occurred_at",
)
SLACK = timedelta(minutes=10)  # times are written by hand to the minute; a camera is switched on on the way in
MINUTE = timedelta(minutes=1)  # the precision of a document's times
JOIN = timedelta(seconds=5)  # consecutive files of one take (a camera splits its files) are one recording


def activity_window(data: Mapping[str, Any], fallback: datetime) -> tuple[datetime, datetime]:
    """The activity's start and end as its document records them (naive local times), else ``fallback``."""
    start = next((str(data[f]) for f in START_FIELDS if data.get(f)), None)
    if start is None:
        return fallback, fallback
    begin = datetime.fromisoformat(start)
    end = datetime.fromisoformat(str(data["ended_at"])) if data.get("ended_at") else begin
    return begin, max(begin, end)


Span = tuple[datetime, datetime]


def overlaps(window: Span, spans: Iterable[Span]) -> list[Span]:
    """The recordings made during the activity (rules AV1–AV3): overlapping it, give or take SLACK."""
    start, end = window[0] - SLACK, window[1] + SLACK
    return [s for s in spans if s[0] <= end and s[1] >= start]


def merged(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + JOIN:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def uninterrupted(window: Span, spans: Iterable[Span]) -> bool:
    """rule AV4: one unbroken recording (its files joined) from arrival to departure, to the minute."""
    start, end = window
    return any(s <= start + MINUTE and e >= end - MINUTE for s, e in merged(spans))


def breaks(window: Span, spans: Iterable[Span]) -> list[Span]:
    """The parts of the activity no recording covers (for the message of an AV4 gap)."""
    start, end = window
    out, at = [], start
    for s, e in merged(spans):
        if s > at + MINUTE and s < end:
            out.append((at, min(s, end)))
        at = max(at, e)
    if at < end - MINUTE:
        out.append((at, end))
    return out
