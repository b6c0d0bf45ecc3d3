"""Typed enforcement documents (执法文书): the schema language and the checks that need no database.

A document type names its fields (with Chinese labels), its signature slots, the stage and procedures it
belongs to, the rules it serves, the act that finalising it records on the case (which is how documents
open the state machine's gates), and the approval chain it rides on, if any. The catalogue itself is in
``liuhen.core.documents.catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    DATETIME = "datetime"
    MONEY = "money"
    INTEGER = "integer"
    CHOICE = "choice"
    BOOL = "bool"


# The longest value each kind of field takes, in characters. A transcript (询问笔录, 现场检查笔录) of a long day
# is about 30,000; a name, number or address fits in 500. Beyond these a save is refused with the field's name.
MAX_CHARS: dict[FieldKind, int] = {FieldKind.TEXT: 500, FieldKind.TEXTAREA: 50_000}
OTHER_MAX_CHARS = 100  # dates, times, amounts, numbers, choices, yes/no


def max_chars(kind: FieldKind) -> int:
    return MAX_CHARS.get(kind, OTHER_MAX_CHARS)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    must_be_true: str = ""  # for a BOOL that a rule requires to be checked: the rule id


class SlotRole(StrEnum):
    OFFICER = "officer"  # 执法人员: certificate number shown (rule I1)
    PARTY = "party"  # 当事人 or the person questioned: may refuse, with reason and witness (rule I2)
    WITNESS = "witness"  # 见证人
    RECIPIENT = "recipient"  # 受送达人: may refuse (留置送达, SV4)
    SERVER = "server"  # 送达人
    LEGAL_REVIEWER = "legal_reviewer"  # 法制审核人员 (D2)
    LEADER = "leader"  # 机关负责人
    CHAIR = "chair"  # 听证主持人: not one of the investigators (D5)
    RECORDER = "recorder"  # 记录人


SLOT_LABELS = {
    SlotRole.OFFICER: "执法人员",
    SlotRole.PARTY: "当事人",
    SlotRole.WITNESS: "见证人",
    SlotRole.RECIPIENT: "受送达人",
    SlotRole.SERVER: "送达人",
    SlotRole.LEGAL_REVIEWER: "法制审核人员",
    SlotRole.LEADER: "机关负责人",
    SlotRole.CHAIR: "听证主持人",
    SlotRole.RECORDER: "记录人",
}


# Files kept with a document (blobs in the content-addressed store): rules SV3 (mail), SV6 (public notice)
ATTACHMENT_KINDS: dict[str, str] = {
    "mail_registration": "邮寄送达登记",
    "postage_receipt": "付邮凭证",
    "return_receipt": "邮寄回执",
    "notice_copy": "书面公告（留存件）",
}


@dataclass(frozen=True)
class SlotSpec:
    role: SlotRole
    label: str = ""
    minimum: int = 1
    refusable: bool = False  # a refusal is recorded with its reason and a witness (rule I2)
    required: bool = True

    @property
    def title(self) -> str:
        return self.label or SLOT_LABELS[self.role]


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    stage: str
    procedures: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    slots: tuple[SlotSpec, ...] = ()
    rules: tuple[str, ...] = ()
    records_act: str = ""  # the case act that finalising it records
    approval: str = ""  # the D9 chain whose signatures it carries (handler → reviewer → approver)
    number_code: str = ""  # documents issued outward get a number 〔年〕号 on finalising, e.g. 罚决
    is_decision: bool = False  # rule D6: states the remedies and their periods
    investigation_record: bool = False  # rule I1: at least two certified officers, certificates shown
    occurred_field: str = ""  # the DATETIME field saying when the recorded thing happened (periods run from it, T4)
    extra: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


class FieldError(ValueError):
    """A field value that cannot be accepted; the message names the field in Chinese."""


def clean_value(spec: FieldSpec, value: Any) -> Any:
    """A field's value as stored (JSON-safe: strings, ints, bools); raises FieldError naming the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    limit = max_chars(spec.kind)
    if len(text) > limit:
        raise FieldError(f"“{spec.label}”过长：{len(text)} 字，最多 {limit} 字")
    try:
        match spec.kind:
            case FieldKind.DATE:
                return date.fromisoformat(text).isoformat()
            case FieldKind.DATETIME:
                return local_minutes(text)
            case FieldKind.MONEY:
                amount = Decimal(text)
                if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                    raise InvalidOperation
                return str(amount.quantize(Decimal("0.01")))
            case FieldKind.INTEGER:
                return int(text)
            case FieldKind.BOOL:
                if isinstance(value, bool):
                    return value
                return text.lower() in {"1", "true", "on", "yes", "是"}
            case FieldKind.CHOICE:
                if text not in {c for c, _ in spec.choices}:
                    raise FieldError(f"“{spec.label}”只能选择：{'、'.join(lbl for _, lbl in spec.choices)}")
                return text
    except (ValueError, InvalidOperation):
        raise FieldError(f"“{spec.label}”的值“{text}”格式不正确") from None
    return text


def missing_fields(doc_type: DocumentType, data: dict[str, Any]) -> list[FieldSpec]:
    out = []
    for spec in doc_type.fields:
        v = data.get(spec.name)
        if spec.required and (
            v is None or v == "" or (spec.kind == FieldKind.BOOL and v is not True and spec.must_be_true)
        ):
            out.append(spec)
    return out


def local_minutes(value: str) -> str:
    """A time as a form keeps it: local (Asia/Shanghai) to the minute, ``2026-12-01T14:00``. A time sent with its
    offset (``2026-12-01T06:00Z``, ``…+08:00``) is the same instant in local time, so a draft saved over the API
    reopens in the browser's datetime field as it was sent; ValueError for what is not a time."""
    from liuhen.core.periods import LOCAL

    t = datetime.fromisoformat(value.strip())
    if t.tzinfo is not None:
        t = t.astimezone(LOCAL).replace(tzinfo=None)
    return t.isoformat(timespec="minutes")


def display(spec: FieldSpec, value: Any) -> str:
    """A stored value as it reads on the form."""
    if value is None or value == "":
        return ""
    if spec.kind == FieldKind.BOOL:
        return "是" if value else "否"
    if spec.kind == FieldKind.CHOICE:
        return dict(spec.choices).get(value, str(value))
    if spec.kind == FieldKind.MONEY:
        return f"{value} 元"
    if spec.kind == FieldKind.DATETIME:
        return datetime_written(str(value))
    if spec.kind == FieldKind.DATE:
        return date_written(str(value))
    return str(value)


_DIGITS = "〇一二三四五六七八九"


def _number_cn(n: int) -> str:
    """1–31 as written in a date: 一, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else _DIGITS[tens]) + "十") + (_DIGITS[ones] if ones else "")


def date_official(d: date) -> str:
    """The date an agency signs a document with (GB/T 9704): 二〇二六年十二月一日."""
    year = "".join(_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_number_cn(d.month)}月{_number_cn(d.day)}日"


def date_written(value: str) -> str:
    """A stored date as officials write it in a form: 2026年12月1日."""
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.year}年{d.month}月{d.day}日"


def datetime_written(value: str) -> str:
    """A stored time as officials write it: 2026年12月1日14时00分 (the zone, if any, is the agency's own)."""
    try:
        t = datetime.fromisoformat(local_minutes(value))
    except ValueError:
        return value
    return f"{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute:02d}分"


def remedies_text(review_body: str = "", court: str = "") -> str:
    """rule D6: the remedies a decision states, with periods from the deadline table."""
    from liuhen.core.rules.deadlines import BY_KEY

    rec, lit = BY_KEY["D6.reconsideration"], BY_KEY["D6.litigation"]
    if review_body or court:  # an outward document names the bodies, in words, without citations
        return (
            f"如不服本决定，可以在收到本决定书之日起{_period_cn(rec.period_text)}内依法向{review_body}申请行政复议，"
            f"或者在{_period_cn(lit.period_text)}内依法向{court}提起行政诉讼。"
        )
    return (
        f"如不服本决定，可以在收到本决定书之日起{rec.period_text}内依法申请行政复议，"
        f"或者在{lit.period_text}内依法向人民法院提起行政诉讼（{rec.source}；{lit.source}）。"
    )


def _period_cn(text: str) -> str:
    """60日 → 六十日, 6个月 → 六个月: a period as a decision writes it."""
    digits = "".join(c for c in text if c.isdigit())
    if not digits or int(digits) > 99:
        return text
    return text.replace(digits, _number_cn(int(digits)), 1)
