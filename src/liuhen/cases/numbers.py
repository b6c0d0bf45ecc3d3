"""Case numbers as people type them: 〔〕, [], (), （）, 【】 all mean the 〔〕 of a 文号 (GB/T 9704), the 号 may be
left off, the serial may lose its zeros, or be given alone. One place turns what was typed into what is stored,
for the 调阅 request form and the search box."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

BRACKETS = str.maketrans(
    {
        "[": "〔",
        "]": "〕",
        "(": "〔",
        ")": "〕",
        "（": "〔",
        "）": "〕",
        "【": "〔",
        "】": "〕",
        "［": "〔",
        "］": "〕",
        "﹝": "〔",
        "﹞": "〕",
        "〖": "〔",
        "〗": "〕",
    }
)
NUMBER = re.compile(r"^(?P<prefix>[^〔〕]*)〔(?P<year>\d{4})〕第?(?P<serial>\d{1,6})号?$")
SERIAL = re.compile(r"^第?(?P<serial>\d{1,6})号?$")


@dataclass(frozen=True)
class CaseNumber:
    """What a typed case number names: a prefix (明应急罚), a year and a serial; a bare serial has neither."""

    prefix: str
    year: int | None
    serial: int

    def matches(self, case_no: str) -> bool:
        found = parse(case_no)
        if found is None or found.serial != self.serial:
            return False
        if self.year is not None and found.year != self.year:
            return False
        return not self.prefix or found.prefix == self.prefix


def canonical_brackets(text: str) -> str:
    """The typed text with every kind of bracket as 〔〕 and no spaces (for a search box: 明应急罚[2026] → 〔2026〕)."""
    return re.sub(r"\s+", "", text.translate(BRACKETS))


def parse(text: str) -> CaseNumber | None:
    """A typed case number, or None when the text is not one (a party's name, a cause)."""
    text = canonical_brackets(text)
    m = NUMBER.match(text)
    if m:
        return CaseNumber(m.group("prefix"), int(m.group("year")), int(m.group("serial")))
    m = SERIAL.match(text)
    if m:
        return CaseNumber("", None, int(m.group("serial")))
    return None


def find(text: str, case_numbers: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """The (id, case number) pairs that the typed number names, among those given."""
    wanted = parse(text)
    if wanted is None:
        return []
    return [(pk, no) for pk, no in case_numbers if wanted.matches(no)]
