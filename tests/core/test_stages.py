"""The state machine table, pure (no database)."""

from __future__ import annotations

import pytest

from liuhen.core import stages
from liuhen.core.errors import RuleViolation, StageError
from liuhen.core.rules import RULES
from liuhen.core.stages import TRANSITIONS, Fact, Procedure, Stage

pytestmark = pytest.mark.core


def test_every_gate_cites_a_catalogued_rule() -> None:
    for t in TRANSITIONS:
        for g in t.gates:
            assert g.rule_id in RULES, (t, g)
            assert RULES[g.rule_id].source


def test_every_stage_is_reachable_and_every_procedure_has_steps() -> None:
    for p in Procedure:
        for s in stages.stages_of(p):
            assert s == stages.INITIAL_STAGE[p] or any(t.target == s for t in TRANSITIONS if t.procedure == p)
        assert stages.transitions_from(p, stages.INITIAL_STAGE[p])


def test_refusal_names_rule_and_source() -> None:
    # rule S2: no filing without the approved 立案审批表
    with pytest.raises(RuleViolation) as exc:
        stages.check(Procedure.GENERAL, Stage.INTAKE, "file", frozenset())
    assert exc.value.rule_id == "S2"
    assert str(exc.value).startswith("S2 002 第八条")
    with pytest.raises(RuleViolation) as exc:  # rule S6: the limitation is checked on the recorded end date
        stages.check(Procedure.GENERAL, Stage.INTAKE, "file", frozenset({Fact.FILING_APPROVED, Fact.VIOLATION_DATED}))
    assert exc.value.rule_id == "S6" and "追责时效" in exc.value.message
    filed = frozenset({Fact.FILING_APPROVED, Fact.VIOLATION_DATED, Fact.WITHIN_LIMITATION})
    assert stages.check(Procedure.GENERAL, Stage.INTAKE, "file", filed).target == Stage.INVESTIGATION


def test_conditional_gates() -> None:
    # rule D2/D3 apply only to major decisions; rule D5 only when a hearing was requested
    base = frozenset(
        {Fact.RIGHTS_NOTICE_SERVED, Fact.HEARING_WINDOW_CLOSED, Fact.DECISION_APPROVED, Fact.NO_PENDING_RECUSAL}
    )
    assert stages.check(Procedure.GENERAL, Stage.NOTICE, "decide", base)
    with pytest.raises(RuleViolation) as exc:
        stages.check(Procedure.GENERAL, Stage.NOTICE, "decide", base | {Fact.MAJOR})
    assert exc.value.rule_id == "D2"
    with pytest.raises(RuleViolation) as exc:
        stages.check(Procedure.GENERAL, Stage.NOTICE, "decide", base | {Fact.HEARING_REQUESTED})
    assert exc.value.rule_id == "D5"


def test_unknown_step_is_a_stage_error() -> None:
    with pytest.raises(StageError):
        stages.check(Procedure.GENERAL, Stage.ARCHIVED, "file", frozenset())
