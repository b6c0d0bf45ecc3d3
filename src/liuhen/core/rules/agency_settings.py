"""What an agency may set for itself, each with the default the law gives and the range it accepts.

The regulations differ where an agency's own rules decide: the periods of the deadline rows marked
``configurable``, and the known conflicts that each agency resolves by its own regulation (R10: 000 第二十一条
has the handling department's head approve a party's copy, 002 第三十四条 the agency head). A setting is
changed by the agency's administrator with a reason; every change is kept, and a computation reads the value
in force when its event happened (a deadline: when its trigger happened; a copy approver: when the copy was
requested), so a later change never rewrites what was already running.

Values are stored as text and read through ``SettingSpec.parse``, which refuses what the setting does not
accept with a message naming the range.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from liuhen.core.rules.deadlines import BY_KEY, UNIT_LABELS, DeadlineRule, PeriodUnit

PERMANENT = 0  # a retention period of 0 years means 永久 (kept for ever, no end date)
TEXT_MAX = 40  # the longest name a text setting takes (the value column's width)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    source: str


@dataclass(frozen=True)
class SettingSpec:
    key: str
    rule_id: str
    title: str
    default: str
    source: str  # where the default comes from
    minimum: int = 0  # periods: the accepted range, inclusive
    maximum: int = 0
    allowed: tuple[int, ...] = ()  # periods: only these values (when not empty)
    choices: tuple[Choice, ...] = ()  # a choice setting (when not empty)
    note: str = ""
    text: bool = False  # a name the agency writes (its 复议机关, its court): any words up to TEXT_MAX characters

    @property
    def is_period(self) -> bool:
        return not self.choices and not self.text

    @property
    def unit_text(self) -> str:
        return UNIT_LABELS[BY_KEY[self.key].unit] if self.is_period else ""

    @property
    def range_text(self) -> str:
        if self.choices:
            return "、".join(c.label for c in self.choices)  # what a person reads and types; codes work too
        if self.text:
            return f"名称，{TEXT_MAX}字以内"
        if self.allowed:
            return "、".join(self.value_text(str(v)) for v in self.allowed)
        return f"{self.minimum}～{self.maximum}{self.unit_text}"

    def value_text(self, raw: str) -> str:
        """A stored value in words: 90日, 永久, 本机关负责人."""
        for c in self.choices:
            if c.value == raw:
                return c.label
        if self.text:
            return raw
        if self.is_period and raw == str(PERMANENT) and PERMANENT in self.allowed:
            return "永久"
        return f"{raw}{self.unit_text}"

    def parse(self, raw: object) -> str:
        """The value in its stored form; ValueError (in Chinese, naming what is accepted) when it is not one."""
        text = str(raw).strip() if raw is not None else ""
        if self.choices:
            for c in self.choices:  # the stored code, or the words a person reads on the page (机关负责人)
                if text in (c.value, c.label):
                    return c.value
            raise ValueError(f"“{self.title}”的值“{text}”无效，可选：{self.range_text}")
        if self.text:
            if not text or len(text) > TEXT_MAX:
                raise ValueError(f"“{self.title}”须填写名称（{TEXT_MAX}字以内），收到“{text}”")
            return text
        try:
            n = int(text)
        except ValueError:
            raise ValueError(f"“{self.title}”须为整数（{self.range_text}），收到“{text}”") from None
        ok = n in self.allowed if self.allowed else self.minimum <= n <= self.maximum
        if not ok:
            raise ValueError(f"“{self.title}”的值 {n} 超出范围，可设：{self.range_text}")
        return str(n)


REVIEW_BODY = "D6.review_body"  # the 复议机关 a decision names (rule D6)
COURT = "D6.court"  # the 人民法院 a decision names (rule D6)

SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "D7",
        "D7",
        "一般程序自立案起作出处罚决定的期限",
        "90",
        "处罚法60",
        minimum=1,
        maximum=365,
        note="法律、法规、规章另有规定的从其规定",
    ),
    SettingSpec("R2", "R2", "结案后立卷归档的期限", "30", "002 第三十二条", minimum=1, maximum=90),
    SettingSpec(
        "R6",
        "R6",
        "案卷保管期限",
        "30",
        "004 第十二条",
        allowed=(10, 30, PERMANENT),
        note="保管期限为永久、30年、10年（0 表示永久）",
    ),
    SettingSpec(
        "P3.compulsion",
        "P3",
        "行政强制决定公示期限",
        "20",
        "001 七",
        minimum=1,
        maximum=20,
        note="不得长于001的20个工作日",
    ),
    SettingSpec(
        "P3.licence",
        "P3",
        "行政许可决定公示期限",
        "20",
        "001 七",
        minimum=1,
        maximum=20,
        note="118号为7个工作日",
    ),
    SettingSpec(
        "P6",
        "P6",
        "被撤销、确认违法或重新作出的决定撤下公示的期限",
        "7",
        "001 九",
        minimum=1,
        maximum=7,
        note="处罚决定一律为3个工作日（处罚法48，不可配置）；机关可对其他决定从严",
    ),
    SettingSpec(
        "P10",
        "P10",
        "处罚决定公示期满撤下",
        "5",
        "本地公示规定",
        minimum=1,
        maximum=10,
    ),
    SettingSpec(
        "P10.person",
        "P10",
        "行政相对人为自然人的处罚决定公示期限",
        "2",
        "本地公示规定（如河北雨花区：网上公示5年，当事人为自然人的2年）",
        minimum=1,
        maximum=10,
        note="公示时与一般期限比较，取先届满者；已公示的条目按公示时的设置办理",
    ),
    SettingSpec(
        "P10.warning",
        "P10",
        "仅受警告的处罚决定公示期限",
        "3",
        "参照总局令第45号第十三条（仅受通报批评或较低数额罚款的，公示期3个月）",
        minimum=1,
        maximum=60,
        note="公示时与一般期限比较，取先届满者；已公示的条目按公示时的设置办理",
    ),
    SettingSpec(
        "R10.copy_approver",
        "R10",
        "当事人申请复制记录的审批人",
        "unit_head",
        "000 第二十一条",
        choices=(
            Choice("unit_head", "承办机构负责人", "000 第二十一条：经经办部门主要领导同意"),
            Choice("leader", "机关负责人", "002 第三十四条：经本机关负责人同意"),
        ),
        note="向法院、复议机关提供的，由法制机构和承办机构共同审批（R12），不受本项影响",
    ),
    SettingSpec(
        REVIEW_BODY,
        "D6",
        "决定书告知的行政复议机关",
        "本级人民政府",
        "复议法24：对县级以上地方各级人民政府工作部门的行政行为不服的，由本级人民政府管辖",
        text=True,
        note="写明名称，如 明山区人民政府；决定书的救济途径载明该机关",
    ),
    SettingSpec(
        COURT,
        "D6",
        "决定书告知的人民法院",
        "有管辖权的人民法院",
        "行诉法18：由最初作出行政行为的行政机关所在地人民法院管辖",
        text=True,
        note="写明名称，如 明山区人民法院；决定书的救济途径载明该法院",
    ),
)

BY_SETTING: dict[str, SettingSpec] = {s.key: s for s in SETTINGS}
if len(BY_SETTING) != len(SETTINGS):  # pragma: no cover - a table error, caught at import
    raise RuntimeError("two settings share a key")
for _spec in SETTINGS:  # a period setting names a configurable deadline row, and its default is that row's period
    if _spec.is_period and (
        _spec.key not in BY_KEY or not BY_KEY[_spec.key].configurable or _spec.default != str(BY_KEY[_spec.key].period)
    ):  # pragma: no cover - a table error, caught at import
        raise RuntimeError(f"setting {_spec.key} does not match a configurable deadline row")

COPY_APPROVER = "R10.copy_approver"


def spec(key: str) -> SettingSpec:
    """The setting named ``key``; KeyError when there is none."""
    return BY_SETTING[key]


def with_period(rule: DeadlineRule, value: str) -> DeadlineRule:
    """The deadline row with an agency's period in place of the default."""
    return replace(rule, period=int(value))


def runs_for_ever(rule: DeadlineRule) -> bool:
    """A retention set to 永久 (R6: 0 years): no end date to count to."""
    return rule.unit == PeriodUnit.YEARS and rule.period == PERMANENT
