"""Facts of the state machine that several finalised documents establish together (rule I4).

``liuhen.documents.facts`` reads the case's documents once and asks this module for the facts no single type
gives: a measure is documented by its decision, the on-site record and the list (or the power cut's record).
Only the finalised version in force of each document counts; a draft says nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liuhen.core.stages import Fact

if TYPE_CHECKING:
    from liuhen.documents.facts import Row

LISTED_MEASURES = {"seal", "seize"}  # 强制法24: 查封、扣押 leave a list (two copies); a power cut its record
# The types these facts read (the documents app loads them with the others)
TYPES = {"onsite_transcript", "seizure_list", "power_cut_record", "compulsion_decision"}


def measure_facts(finals: list[Row]) -> set[str]:
    """rule I4 (强制法18、24; 002 第十五条): the on-site record, and the list (or the power cut's record)."""
    final: dict[str, list[Row]] = {}
    for r in finals:
        final.setdefault(r.doc_type, []).append(r)
    facts: set[str] = set()
    kept = "seizure_list" in final or "power_cut_record" in final
    if "onsite_transcript" in final and kept:
        facts.add(Fact.EMERGENCY_MEASURE_DOCUMENTED)
    measures = {str(r.values.get("measure")) for r in final.get("compulsion_decision", [])}
    needed = {"seizure_list" if m in LISTED_MEASURES else "power_cut_record" for m in measures}
    if measures and "onsite_transcript" in final and all(code in final for code in needed):
        facts.add(Fact.MEASURE_DOCUMENTED)
    return facts
