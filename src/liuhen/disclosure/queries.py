"""What the public portal reads (rules P1, P2, P3, P8): no login, nothing personal but the party's data items."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from liuhen.accounts.models import Agency
from liuhen.core import stages
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.rules import rule
from liuhen.core.rules.av import AV_RULES, REQUIREMENT_LABELS
from liuhen.core.rules.deadlines import BY_KEY, UNIT_LABELS
from liuhen.disclosure.models import Entry, EntryKind, EntryStatus

# a taken-down or expired entry keeps its page, with the reason in place of the entry
SHOWN = (EntryStatus.PUBLISHED, EntryStatus.TAKEN_DOWN, EntryStatus.EXPIRED)


def published(agency: Agency | None = None) -> QuerySet[Entry]:
    qs = Entry.objects.filter(status=EntryStatus.PUBLISHED).select_related("agency")
    return qs.filter(agency=agency) if agency is not None else qs


@dataclass(frozen=True)
class Search:
    party: str = ""
    number: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None
    agency: int | None = None

    @classmethod
    def parse(cls, params: Any) -> tuple[Search, list[str]]:
        errors: list[str] = []

        def day(name: str, label: str) -> date | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors.append(f"{label}须为日期，如 2026-01-31")
                return None

        kind = (params.get("kind") or "").strip()
        if kind and kind not in EntryKind.values:
            errors.append(f"类别须为：{'、'.join(EntryKind.labels)}")
            kind = ""
        raw_agency = (params.get("agency") or "").strip()
        agency = int(raw_agency) if raw_agency.isdigit() else None
        if raw_agency and agency is None:
            errors.append("机关须为编号")
        return (
            cls(
                party=(params.get("party") or "").strip()[:100],
                number=(params.get("number") or "").strip()[:80],
                kind=kind,
                since=day("since", "起始日期"),
                until=day("until", "截止日期"),
                agency=agency,
            ),
            errors,
        )

    def apply(self, qs: QuerySet[Entry]) -> QuerySet[Entry]:
        if self.party:
            qs = qs.filter(Q(party_name__contains=self.party) | Q(party_code=self.party))
        if self.number:
            qs = qs.filter(decision_no__contains=self.number)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.since:
            qs = qs.filter(decided_on__gte=self.since)
        if self.until:
            qs = qs.filter(decided_on__lte=self.until)
        if self.agency:
            qs = qs.filter(agency_id=self.agency)
        return qs.order_by("-decided_on", "-id")


def _field_label(code: str, field: str) -> str:
    t = BY_CODE.get(code)
    f = next((f for f in t.fields if f.name == field), None) if t else None
    return f.label if f else field


def _value_label(code: str, field: str, value: object) -> str:
    t = BY_CODE.get(code)
    f = next((f for f in t.fields if f.name == field), None) if t else None
    if value is True:
        return "是"
    for key, label in getattr(f, "choices", ()) or ():
        if key == value:
            return label
    return str(value)


@functools.cache
def av_list() -> list[dict[str, str]]:
    """The activities that must be filmed (003 第十二条: published), with their conditions in words."""
    out = []
    for r in AV_RULES:
        code = r.doc_type
        when = "或".join(f"{_field_label(code, f)}为“{_value_label(code, f, v)}”" for f, v in r.when)
        condition = "；".join(x for x in ("重大复杂案件" if r.major_case else "", when) if x)
        out.append(
            {
                "rule": r.rule_id,
                "label": r.label,
                "record": BY_CODE[code].name if code in BY_CODE else "",
                "requirement": REQUIREMENT_LABELS[r.requirement],
                "condition": condition or "一律",
                "source": r.source,
            }
        )
    return out


@functools.cache
def procedures() -> list[dict[str, Any]]:
    """Each procedure as its flow of steps, with the rules each step must satisfy (P1: 执法流程)."""
    out = []
    for p in stages.Procedure:
        steps = [
            {
                "from": stages.STAGE_LABELS[t.source],
                "label": t.label,
                "to": stages.STAGE_LABELS[t.target],
                "requires": [g.message for g in t.gates],
                "sources": sorted({rule(g.rule_id).source for g in t.gates}),
            }
            for t in stages.TRANSITIONS
            if t.procedure == p
        ]
        out.append({"name": stages.PROCEDURE_LABELS[p], "steps": steps})
    return out


@functools.cache
def remedies() -> list[dict[str, str]]:
    """救济途径 and their periods, from the deadline table (D6)."""
    out = []
    for key in ("D6.reconsideration", "D6.litigation"):
        r = BY_KEY[key]
        out.append({"title": r.title, "period": f"{r.period}{UNIT_LABELS[r.unit]}", "source": r.source})
    return out
