"""Redaction as data (rule P9): each rule removes what it names from the structured decision, and the list of what
each rule removed is kept beside the entry.

Pure Python: the caller passes the texts of the decision and what the case knows of the people in it (the party,
the other natural persons named in its records). Removed text is replaced by a bracketed label saying what stood
there, never by the value; the list keeps, per rule and field, how many spans were removed and their lengths, not the
values themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as default


@dataclass(frozen=True)
class RedactionRule:
    key: str
    label: str  # what stood there, shown in its place
    source: str


RULES: tuple[RedactionRule, ...] = (
    RedactionRule("id_number", "身份证号码", "处罚法48; 001 七"),
    RedactionRule("phone", "联系电话", "处罚法48; 001 七"),
    RedactionRule("bank_account", "银行账号", "处罚法48; 001 七"),
    RedactionRule("address", "自然人住址", "处罚法48; 001 七"),
    RedactionRule("health", "健康状况", "处罚法48; 001 七"),
    RedactionRule("third_party", "其他自然人姓名", "处罚法48; 001 七"),
)
RULE_BY_KEY = {r.key: r for r in RULES}

_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_BANK = re.compile(r"(?<!\d)\d{16,19}(?!\d)")
_HEALTH = re.compile(r"(?:患有|诊断为|病史|病情|残疾|怀孕)[^，。；,;]*")


@dataclass
class Removal:
    rule: str
    column: str
    count: int = 0
    lengths: list[int] = default(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        r = RULE_BY_KEY[self.rule]
        return {
            "rule": self.rule,
            "label": r.label,
            "source": r.source,
            "field": self.column,
            "count": self.count,
            "lengths": self.lengths,
        }


@dataclass(frozen=True)
class People:
    """What the case knows of the natural persons in it. The party's own name stays (it is the 行政相对人)."""

    party_name: str = ""
    party_is_person: bool = False
    party_address: str = ""
    others: tuple[str, ...] = ()  # natural persons other than the party: witnesses, persons questioned, …
    values: tuple[str, ...] = ()  # known personal values (ID numbers, phones) to remove wherever they appear


def _mark(rule: str) -> str:
    return f"〔已隐去：{RULE_BY_KEY[rule].label}〕"


def _apply(text: str, rule: str, pattern: re.Pattern[str], found: Removal) -> str:
    def sub(m: re.Match[str]) -> str:
        found.count += 1
        found.lengths.append(len(m.group(0)))
        return _mark(rule)

    return pattern.sub(sub, text)


def _literal(values: Iterable[str]) -> re.Pattern[str] | None:
    vals = sorted({v for v in values if v and len(v.strip()) >= 2}, key=len, reverse=True)
    if not vals:
        return None
    return re.compile("|".join(re.escape(v) for v in vals))


def redact(fields: Mapping[str, str], people: People) -> tuple[dict[str, str], list[dict[str, object]]]:
    """The fields with every rule applied, and the list of what each rule removed (per field, counts only)."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for value in sorted({v for v in people.values if v and len(v) >= 6}, key=len, reverse=True):
        # a value the case knows (the party's ID number or phone) goes wherever it appears, in any form
        patterns.append(("phone" if _PHONE.fullmatch(value) else "id_number", re.compile(re.escape(value))))
    patterns += [("id_number", _ID), ("phone", _PHONE), ("bank_account", _BANK), ("health", _HEALTH)]
    if people.party_is_person and (addr := _literal([people.party_address])) is not None:
        patterns.append(("address", addr))
    others = [n for n in people.others if n and n != people.party_name]
    if (names := _literal(others)) is not None:
        patterns.append(("third_party", names))
    out: dict[str, str] = {}
    removed: list[Removal] = []
    for name, text in fields.items():
        for rule, pattern in patterns:
            found = Removal(rule, name)
            text = _apply(text, found.rule, pattern, found)
            if found.count:
                removed.append(found)
        out[name] = text
    merged: dict[tuple[str, str], Removal] = {}
    for r in removed:
        m = merged.setdefault((r.rule, r.column), Removal(r.rule, r.column))
        m.count += r.count
        m.lengths += r.lengths
    return out, [m.as_dict() for m in merged.values()]
