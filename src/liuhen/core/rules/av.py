"""The mandatory audio-video recording list (rules AV1–AV6) as data.

003 第十二条 asks the agency to publish its list of activities recorded on video: this table is that list.
Each row names an activity as the system records it (an act on the case, or a finalised document) and what
the rules ask of it. An activity that must be recorded needs a recording linked to the case around the time
it happened, or a recorded reason for leaving it out (AV6: flammable, explosive or classified sites).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AVRequirement(StrEnum):
    REQUIRED = "required"  # AV1, AV3: whole-process recording
    UNLESS_UNSUITABLE = "unless_unsuitable"  # AV2: required unless unsuitable (record why: AV6)
    UNINTERRUPTED = "uninterrupted"  # AV4: arrival to departure without a break
    OPTIONAL = "optional"  # AV5: as the situation needs


REQUIREMENT_LABELS = {
    AVRequirement.REQUIRED: "必须全程音像记录",
    AVRequirement.UNLESS_UNSUITABLE: "应当音像记录（不适宜的除外）",
    AVRequirement.UNINTERRUPTED: "到达至离开不间断记录",
    AVRequirement.OPTIONAL: "视情音像记录",
}


@dataclass(frozen=True)
class AVRule:
    rule_id: str
    activity: str  # "act:<kind>" as recorded on the case
    label: str
    requirement: AVRequirement
    source: str

    @property
    def mandatory(self) -> bool:
        return self.requirement != AVRequirement.OPTIONAL


REQ, UNSUITABLE, UNBROKEN, OPTIONAL = (
    AVRequirement.REQUIRED,
    AVRequirement.UNLESS_UNSUITABLE,
    AVRequirement.UNINTERRUPTED,
    AVRequirement.OPTIONAL,
)

AV_RULES: tuple[AVRule, ...] = (
    AVRule("AV1", "act:preservation", "证据先行登记保存", REQ, "001 五"),
    AVRule("AV1", "act:statement", "听取陈述、申辩", REQ, "001 五"),
    AVRule("AV1", "act:hearing", "举行听证", REQ, "001 五"),
    AVRule("AV1", "act:emergency_measure_report", "紧急实施行政强制措施", REQ, "001 五"),
    AVRule("AV2", "act:inspection_transcript", "现场检查（勘验）", UNSUITABLE, "002 第十三条"),
    AVRule("AV3", "act:lift_decision", "解除查封、扣押（返还财物）", REQ, "002 第十五条"),
    AVRule("AV3", "act:rectification_check", "整改复查（安全设备设施）", REQ, "002 第二十八条"),
    AVRule("AV4", "act:court_application", "涉及重大财产权益的强制执行", UNBROKEN, "003 第十二、十四条"),
    AVRule("AV5", "act:rectification_order", "日常检查中责令整改", OPTIONAL, "001 六; 002 第二十二条"),
)

BY_ACTIVITY: dict[str, AVRule] = {r.activity: r for r in AV_RULES}
OMISSION_RULE = "AV6"  # 001 七; 004 第十九条; 000 第十条: where recording is left out, the reason is recorded
