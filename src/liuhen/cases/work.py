"""What an officer can do next on a case, from the transition table (``liuhen.core.stages``) and the document
catalogue: the next required step, the document or approval it waits for, and menus that offer only what the
procedure and the stage allow (a 不予立案告知书 is not offered on a case in 执行)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liuhen.cases.models import ActKind, ApprovalKind, Case
from liuhen.cases.queries import case_facts
from liuhen.cases.scenarios import DECISION_DOCUMENT, FACT_ACT, FACT_APPROVAL, FACT_DOCUMENT
from liuhen.core import stages
from liuhen.core.documents import DocumentType
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.stages import STAGE_LABELS, Fact, Stage

# Stages in which a case is still being worked (documents are made, evidence gathered, notices served)
OPEN_STAGES = frozenset(set(Stage) - {Stage.CLOSED, Stage.ARCHIVED, Stage.NOT_FILED, Stage.REFUSED, Stage.LIFTED})
# Evidence is gathered until the decision is made; an inspection that finds the matter records it at 案源登记
EVIDENCE_STAGES = frozenset(
    {Stage.INTAKE, Stage.INVESTIGATION, Stage.REVIEW, Stage.NOTICE, Stage.INSPECTING, Stage.IN_FORCE}
)
# Documents used whenever a case is open: serving a document, explaining a recording
ANY_OPEN_STAGE = frozenset({"delivery_receipt", "av_explanation"})
# Acts recorded by hand (no document records them): the stages where each can happen; the note always
ACT_STAGES: dict[str, frozenset[Stage]] = {
    ActKind.HEARING_REQUEST: frozenset({Stage.NOTICE}),
    ActKind.RIGHTS_WAIVER: frozenset({Stage.NOTICE}),
    ActKind.PERFORMANCE: frozenset({Stage.DECISION, Stage.ENFORCEMENT}),
    ActKind.RECONSIDERATION: frozenset({Stage.DECISION, Stage.ENFORCEMENT, Stage.CLOSED, Stage.IN_FORCE}),
    ActKind.LITIGATION: frozenset({Stage.DECISION, Stage.ENFORCEMENT, Stage.CLOSED, Stage.IN_FORCE}),
}


def step_words(label: str, target: Stage) -> tuple[str, str]:
    """A step's button and the message after it: "立案（进入调查取证）" and "已立案，进入调查取证"; a step named
    after the stage it reaches reads once ("结案", "已结案"), never "结案 → 结案"."""
    to = STAGE_LABELS[target]
    if to in label or label in to:
        return label, f"已{label}"
    return f"{label}（进入{to}）", f"已{label}，进入{to}"


def _documents_for(fact: str, procedure: str) -> list[str]:
    if fact == Fact.DECISION_DOCUMENT:
        return [DECISION_DOCUMENT[procedure]] if procedure in DECISION_DOCUMENT else []
    code = FACT_DOCUMENT.get(Fact(fact)) if fact in Fact.__members__.values() else None
    return [code] if code else []


@dataclass
class Work:
    steps: list[dict[str, Any]]
    needed_documents: list[DocumentType] = field(default_factory=list)
    needed_approvals: list[tuple[str, str]] = field(default_factory=list)
    needed_acts: list[tuple[str, str]] = field(default_factory=list)
    documents: list[DocumentType] = field(default_factory=list)  # the 制作文书 menu, needed first
    acts: list[tuple[str, str]] = field(default_factory=list)  # the 记录办案事项 menu, the note first

    @property
    def next_document(self) -> DocumentType | None:
        return self.needed_documents[0] if self.needed_documents else None


def work(case: Case, offered_acts: list[tuple[str, str]]) -> Work:
    """The case's next steps with their refusals, and what they wait for; ``offered_acts`` are the kinds the act
    form may offer at all (those no document records)."""
    procedure, stage = case.procedure_enum, case.stage_enum
    facts = case_facts(case)
    steps, missing = [], []
    for t, refusal in stages.next_steps(procedure, stage, facts):
        button, done = step_words(t.label, t.target)
        steps.append(
            {
                "action": t.action,
                "label": t.label,
                "button": button,
                "done": done,
                "target": t.target.value,
                "target_label": STAGE_LABELS[t.target],
                "allowed": refusal is None,
                "refusal": refusal.as_dict() if refusal else None,
            }
        )
        missing += [g.requires for g in t.gates if not g.passes(facts)]
    steps.sort(key=lambda s: not s["allowed"])  # what can be done now comes first
    applicable = [dt for dt in BY_CODE.values() if case.procedure in dt.procedures]
    codes = {dt.code for dt in applicable}
    needed: list[str] = []
    approvals: list[tuple[str, str]] = []
    acts: list[tuple[str, str]] = []
    for fact in dict.fromkeys(missing):
        needed += [c for c in _documents_for(fact, procedure) if c in codes and c not in needed]
        if fact in FACT_APPROVAL:
            kind = FACT_APPROVAL[fact]
            approvals.append((kind, ApprovalKind(kind).label))
        if fact in FACT_ACT:
            kind = FACT_ACT[fact][0]
            acts.append((kind, ActKind(kind).label))
    for dt in applicable:  # a document made for a step is a step's document (e.g. the 立案审批表 carries S2)
        if dt.approval and any(k == dt.approval for k, _ in approvals) and dt.code not in needed:
            needed.append(dt.code)
    in_stage = [
        t
        for t in applicable
        if t.code not in needed
        and stage in OPEN_STAGES
        and (
            t.stage == stage.value
            or t.code in ANY_OPEN_STAGE
            or (stage in EVIDENCE_STAGES and t.stage == "investigation")
        )
    ]
    offered = dict(offered_acts)
    act_menu = [(ActKind.NOTE.value, offered.get(ActKind.NOTE, ActKind.NOTE.label))] if ActKind.NOTE in offered else []
    act_menu += [(k, label) for k, label in acts if k in offered and k != ActKind.NOTE]
    act_menu += [
        (k, label)
        for k, label in offered_acts
        if stage in ACT_STAGES.get(k, frozenset()) and all(k != m for m, _ in act_menu)
    ]
    return Work(
        steps=steps,
        needed_documents=[BY_CODE[c] for c in needed],
        needed_approvals=approvals,
        needed_acts=acts,
        documents=[BY_CODE[c] for c in needed] + in_stage,
        acts=act_menu,
    )
