"""Facts of the state machine that finalised documents establish (rules I4, E5, D8).

Registered with ``liuhen.cases.queries.provide_facts``: the cases app reads them without importing documents.
Only finalised documents count; a draft says nothing.
"""

from __future__ import annotations

import json
from datetime import date

from liuhen.cases.models import Case
from liuhen.core.stages import Fact
from liuhen.documents.models import Document, DocumentStatus

LISTED_MEASURES = {"seal", "seize"}  # 强制法24: 查封、扣押 leave a list (two copies); a power cut its record
ENFORCEMENT_STEPS = {"enforcement_decision", "substitute_performance_decision", "court_application"}


def document_facts(case: Case, on: date) -> set[str]:
    rows = Document.objects.filter(case=case, status=DocumentStatus.FINAL).values_list("doc_type", "data")
    final: dict[str, list[dict[str, object]]] = {}
    for code, data in rows:
        final.setdefault(code, []).append(json.loads(data))
    facts: set[str] = set()
    # rule I4 (强制法18、24; 002 第十五条): the on-site record, and the list (or the power cut's record)
    kept = "seizure_list" in final or "power_cut_record" in final
    if "onsite_transcript" in final and kept:
        facts.add(Fact.EMERGENCY_MEASURE_DOCUMENTED)
    measures = {str(d.get("measure")) for d in final.get("compulsion_decision", [])}
    needed = {"seizure_list" if m in LISTED_MEASURES else "power_cut_record" for m in measures}
    if measures and "onsite_transcript" in final and all(code in final for code in needed):
        facts.add(Fact.MEASURE_DOCUMENTED)
    # rule E5 (002 第三十一条): an enforced case, and the recorded result of its enforcement
    if ENFORCEMENT_STEPS & set(final):
        facts.add(Fact.ENFORCED)
    if "enforcement_result" in final:
        facts.add(Fact.ENFORCEMENT_RESULT)
    # rule D8 (002 第二十二条(五); 处罚法52): the on-the-spot decision filed with the agency
    if "onsite_decision_filing" in final:
        facts.add(Fact.ONSITE_DECISION_FILED)
    return facts
