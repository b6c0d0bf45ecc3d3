"""No dead deadline rows: every row's trigger and fulfilment is an event the system emits, and scenarios made of
documents, approvals, commands, recordings and view requests open and close each live row (rules S3, S6, I3, I4,
D5, D6, D7, SV1, SV6, E1, E2, E3, R1, R2, R5, R6, R15, P2, P3, P4, P5, P6, P7, P10)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from liuhen.archive import file_disposal
from liuhen.archive import services as archive
from liuhen.archive.scenario import bind
from liuhen.cases import scenarios, services
from liuhen.cases.models import ActKind, ApprovalKind, Case
from liuhen.core import calendar, stages
from liuhen.core.documents.catalogue import CATALOGUE
from liuhen.core.rules.deadlines import AWAITING_FEATURE, DEADLINE_RULES
from liuhen.deadlines.calendar_store import import_schedule
from liuhen.deadlines.models import Deadline
from liuhen.deadlines.services import MEDIA_NAMES, scan
from liuhen.disclosure import services as disclosure
from liuhen.disclosure.models import Entry
from liuhen.documents.services import act_for

pytestmark = pytest.mark.django_db
F = stages.Fact

# The rows that may wait for a feature of their own (disclosure, archive disposal). AWAITING_FEATURE may lose
# rows, never gain any.
MAY_AWAIT = {"R6"}
# What the case registration (S6, the violation's end) and the view-request commands (R15) are called
CASE_NAMES = ("case:violation_ended", "case:violation_ended_serious")
VIEW_REQUEST_NAMES = tuple(f"view_request:{step}" for step in ("received", "extended", "replied"))


def emittable() -> set[str]:
    """Every event name the system emits, from the tables that emit them: the transitions of the state machine,
    the acts (those the free-text route takes, and those documents record on finalising), the documents
    themselves, the approval chains, the chained periods, the recordings' ingest, the violation's end recorded
    on the case and the view requests."""
    names = {f"transition:{t.action}" for t in stages.TRANSITIONS}
    free = set(ActKind.values) - set(services.DOCUMENT_ACTS) - set(services.COMMAND_ACTS)
    names |= {f"act:{k}" for k in free}
    for t in CATALOGUE:
        names |= {f"act:{act_for(t, {'method': m})}" for m in ("direct", "public_notice")} - {"act:"}
    names |= {f"approval:{k}:{step}" for k in ApprovalKind.values for step in ("proposed", "approved")}
    names |= {f"document:{t.code}" for t in CATALOGUE}
    names |= {f"due:{r.key}" for r in DEADLINE_RULES}
    names |= set(file_disposal.DEADLINE_EVENTS)  # the disposal of a whole 案卷 (R6)
    names |= set(event_names_of_year_end())
    return names | set(MEDIA_NAMES) | set(CASE_NAMES) | set(VIEW_REQUEST_NAMES) | set(disclosure.DEADLINE_EVENTS)


def event_names_of_year_end() -> list[str]:
    """What the scan's record of a year's end is called in the deadline table (rule P7)."""
    from liuhen.deadlines.services import YEAR_ENDED, event_names
    from liuhen.ledger.models import Event

    return event_names(Event(action=YEAR_ENDED), {})


def _dead(row) -> set[str]:  # type: ignore[no-untyped-def]
    return set(row.triggers + row.fulfilled_by) - emittable()


def test_every_row_names_events_the_system_emits() -> None:
    dead = {r.key: sorted(_dead(r)) for r in DEADLINE_RULES if _dead(r) and r.key not in AWAITING_FEATURE}
    assert dead == {}, "rows no event can open or close"
    assert all(r.triggers for r in DEADLINE_RULES)


def test_rows_awaiting_a_feature_only_shrink() -> None:
    assert set(AWAITING_FEATURE) <= MAY_AWAIT, "a row was added to the waiting list"
    live = [key for key in AWAITING_FEATURE if not _dead(next(r for r in DEADLINE_RULES if r.key == key))]
    assert live == [], "these rows are live now: take them out of AWAITING_FEATURE"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


@pytest.fixture(autouse=True)
def _official_calendar():  # type: ignore[no-untyped-def]
    calendar.configure(calendar.official_calendar())
    import liuhen.deadlines.calendar_store as store

    store._installed_version = None
    yield
    store._installed_version = None


def _closed(case: Case) -> set[str]:
    return set(Deadline.objects.filter(case=case).exclude(status="open").values_list("rule_key", flat=True))


def _general_case(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """S3, D7, D5, SV1, E2, D6, E3 and R2 on one penalty case served directly."""
    with time_machine.travel(at("2026-09-01T09:00"), tick=False):
        case = make_case(officers=[cast.handler, cast.second_officer])
        case = scenarios.step(case, "emergency_start", cast)  # opens S3
        scenarios.approve(case, ApprovalKind.FILING, cast)  # S3 met; D7 opens
        case = scenarios.advance(case, stages.Stage.NOTICE, cast)  # the 立案审批表 before concluding (S2)
        scenarios.make_document(case, "penalty_notice", cast)  # D5.request opens
        services.record_act(actor=cast.handler, case=case, kind="hearing_request", note="当事人书面申请听证")
        scenarios.make_document(case, "hearing_notification", cast)  # D5.notice: 7 working days' wait
    with time_machine.travel(at("2026-09-21T09:00"), tick=False):
        scenarios.make_document(case, "hearing_transcript", cast)
        case = scenarios.step(case, "decide", cast)  # D7 met; SV1 opens
        scenarios.satisfy(case, F.DECISION_DOCUMENT, cast)
        scenarios.make_document(case, "delivery_receipt", cast)  # SV1 met; E2, D6.*, E3.court open
        for kind in ("reconsideration", "litigation"):
            services.record_act(actor=cast.handler, case=case, kind=kind, note="收到复议机关、法院的通知")
        demand = scenarios.make_document(case, "demand_notice", cast)  # E3.wait; served as the party signs
        scenarios.make_document(case, "demand_statement", cast, demand_no=demand.document_no, made="none")
    # rule E3 (强制法53): the court is applied to once the appeal periods have lapsed (2027-03-22, T2)
    schedule = {"source": "国务院办公厅关于2027年部分节假日安排的通知（测试）", "days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
    ]}  # fmt: skip
    import_schedule(actor=None, data=json.dumps(schedule).encode(), filename="2027.json")
    with time_machine.travel(at("2027-03-24T09:00"), tick=False):
        scenarios.make_document(case, "court_application", cast, demand_served_on="2026-09-21")  # E3.* closed
        case = scenarios.advance(case, stages.Stage.CLOSED, cast)  # performance closes E2; closing opens R2
        scenarios.step(case, "archive", cast)
    rows = {d.rule_key: d.status for d in Deadline.objects.filter(case=case)}
    assert rows["S3"] == rows["D7"] == rows["SV1"] == rows["R2"] == "met" and rows["D5.notice"] == "met"
    return _closed(case)


def _compulsion_case(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """I4: the 24-hour report, the term, its one extension."""
    with time_machine.travel(at("2026-09-01T09:00"), tick=False):
        case = scenarios.step(make_case("compulsion"), "emergency_measure", cast)
        case = scenarios.step(case, "extend", cast)  # the approval closes I4.report; the extension I4.term
        scenarios.step(case, "lift", cast)
    return _closed(case)


def _public_notice_case(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """SV6: the notice takes effect 30 days later (the scan ends the row), and E2/D6 run from then."""
    with time_machine.travel(at("2026-09-04T10:00"), tick=False):
        case = scenarios.advance(make_case(officers=[cast.handler, cast.second_officer]), stages.Stage.DECISION, cast)
        scenarios.satisfy(case, F.DECISION_DOCUMENT, cast)
        scenarios.make_document(case, "delivery_receipt", cast, method="public_notice", failed_methods="均被退回")
    scan(at("2026-10-09T09:00"))
    assert Deadline.objects.get(case=case, rule_key="E2").trigger == "due:SV6"
    return _closed(case)


def _limitation(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """S6 and S6.serious: opened by the violation's end recorded at registration, met by filing."""
    ended = (timezone.localdate() - timedelta(days=30)).isoformat()
    closed: set[str] = set()
    for serious in (False, True):
        case = make_case(violation_ended_on=ended, serious_harm=serious)
        case = scenarios.step(case, "file", cast)
        closed |= _closed(case)
    return closed


def _investigation_records(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """I3: the 证据登记保存清单 opens it, the 先行登记保存证据处理决定书 naming the list meets it; E1: the order
    with its deadline opens the re-check, the 整改复查意见 meets it."""
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = make_case(officers=[cast.handler, cast.second_officer])
        listed = scenarios.make_document(case, "preservation_list", cast)
        scenarios.make_document(case, "preservation_decision", cast, list_no=listed.document_no)
        inspection = make_case("inspection", officers=[cast.handler, cast.second_officer])
        scenarios.make_document(inspection, "rectification_order", cast, deadline_on="2026-11-16")
    with time_machine.travel(at("2026-11-13T10:00"), tick=False):
        scenarios.make_document(inspection, "rectification_check", cast)
    return _closed(case) | _closed(inspection)


def _power_cut(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """I4.power: the 停止供电通知书 opens the 24-hour wait, the 停止供电记录 after it closes it."""
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        case = make_case("compulsion", officers=[cast.handler, cast.second_officer])
        scenarios.make_document(case, "power_cut_notice", cast, cut_at="2026-11-03T11:00")
    with time_machine.travel(at("2026-11-03T11:00"), tick=False):
        scenarios.make_document(case, "power_cut_record", cast, cut_at="2026-11-03T11:00")
    assert Deadline.objects.get(case=case, rule_key="I4.power").status == "met"
    return _closed(case)


def _view_request(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """R15 and R15.extension: received, extended by the leader, replied."""
    from liuhen.access import view_requests as views

    case = make_case()
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        req = views.receive_view_request(
            actor=cast.handler,
            case=case,
            applicant_kind="party",
            applicant_name="某某化工有限公司",
            records="现场检查笔录",
            channel="in_person",
        )
    with time_machine.travel(at("2026-11-20T10:00"), tick=False):
        req = views.extend_view_request(actor=cast.leader, request=req, reason="记录较多需逐项审核，已告知申请人")
    with time_machine.travel(at("2026-12-10T10:00"), tick=False):
        views.reply_view_request(actor=cast.unit_head, request=req, reply="granted")
    return _closed(case)


def _recordings(cast, make_case, tmp_path) -> set[str]:  # type: ignore[no-untyped-def]
    """R1 (and R1.remote) close at the upload; R5 keeps an inspection recording 6 months (the scan ends it)."""
    from liuhen.media.services import ingest_file
    from tests.media.conftest import synthesise

    closed: set[str] = set()
    ended = (timezone.now() - timedelta(hours=2)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    inspection = make_case("inspection")
    ingest_file(actor=None, path=synthesise(tmp_path / "a.mp4", created=ended), officer=cast.handler, case=inspection)
    scan(timezone.now() + timedelta(days=200))
    closed |= _closed(inspection)
    remote = make_case()
    ingest_file(
        actor=None,
        path=synthesise(tmp_path / "b.mp4", created=ended, tone=550),
        officer=cast.handler,
        case=remote,
        returned_at=timezone.now() - timedelta(hours=1),
    )
    return closed | _closed(remote)


def _disclosure(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """P2, P3, P5, P6, P10: published, a correction asked and answered, revoked and taken down; P4: a corrected
    decision's entry updated."""
    closed: set[str] = set()
    with time_machine.travel(at("2026-11-02T10:00"), tick=False):
        for procedure, action, ground in (
            ("simplified_procedure", "decide_on_spot", "revoked"),
            ("compulsion", "apply_measure", "illegal"),
            ("licence", "", "redone"),
        ):
            case = make_case(procedure, officers=[cast.handler, cast.second_officer], penalty_kind="warning")
            if action:
                case = scenarios.step(case, action, cast)
            else:
                case = scenarios.advance(case, stages.Stage.DECISION, cast)
            entry = disclosure.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
            request = disclosure.request_correction(entry=entry, requester="某某公司", contact="025-1", text="有误")
            disclosure.handle_correction(actor=cast.unit_head, request=request, corrected=False, reply="经核实无误")
            if procedure == "compulsion":  # rule P4: the decision corrected, its entry updated
                from liuhen.disclosure.content import decision_document
                from liuhen.documents import services as documents

                old = decision_document(case)
                new = documents.correct(actor=cast.handler, document=old, reason="笔误", data=old.values)
                documents.finalise(actor=cast.handler, document=new, signatures=[])
                entry = disclosure.publish_update(actor=cast.unit_head, entry=entry)
            disclosure.record_revocation(actor=cast.handler, entry=entry, ground=ground, reason="复议决定")
            disclosure.take_down(actor=cast.unit_head, entry=entry)
            closed |= _closed(case)
        # P10.person: a penalty on a natural person runs its own (shorter) period, taken down before it ends
        person = make_case(
            "simplified_procedure",
            officers=[cast.handler, cast.second_officer],
            penalty_kind="fine",
            fine_amount=100,
            parties=[services.PartyInput(kind="individual", name="赵六", id_number="320102198503031234")],
        )
        person = scenarios.step(person, "decide_on_spot", cast)
        entry = disclosure.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=person))
        disclosure.record_revocation(actor=cast.handler, entry=entry, ground="revoked", reason="复议决定")
        disclosure.take_down(actor=cast.unit_head, entry=entry)
        closed |= _closed(person)
    return closed


def _case_file_disposal(cast, make_case) -> set[str]:  # type: ignore[no-untyped-def]
    """R6: 归档 opens the 案卷's term (its own 10 years), the approved disposal of the whole file ends it."""
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)
    case_file = archive.assemble(actor=cast.archivist, case=case)
    archive.change_retention(actor=cast.archivist, case_file=case_file, years=10, reason="一般投诉")
    case_file = bind(case, cast)
    services.transition(actor=cast.archivist, case=case, action="archive")
    due = Deadline.objects.get(case=case, rule_key="R6").due_on
    with time_machine.travel(datetime.combine(due + timedelta(days=3), datetime.min.time(), UTC), tick=False):
        proposal = file_disposal.propose_file_disposal(actor=cast.archivist, case_file=case_file, appraisal="保管期满")
        file_disposal.decide_file_disposal(actor=cast.leader, disposal=proposal, approve=True)
    return _closed(case)


def _agency_duties(cast) -> set[str]:  # type: ignore[no-untyped-def]
    """P7: the year's end opens the agency's own period (no case's), its statistics published meet it."""
    with time_machine.travel(at("2027-01-04T09:00"), tick=False):
        scan(timezone.now())
        disclosure.publish_statistics(actor=cast.leader, agency=cast.leader.agency, year=2026)
    rows = Deadline.objects.filter(case__isnull=True, agency=cast.leader.agency).exclude(status="open")
    return set(rows.values_list("rule_key", flat=True))


def test_every_live_row_is_opened_and_closed(cast, make_case, tmp_path, blob_root) -> None:  # type: ignore[no-untyped-def]
    closed = _general_case(cast, make_case) | _compulsion_case(cast, make_case) | _case_file_disposal(cast, make_case)
    closed |= _public_notice_case(cast, make_case) | _recordings(cast, make_case, tmp_path)
    closed |= _limitation(cast, make_case) | _investigation_records(cast, make_case) | _power_cut(cast, make_case)
    closed |= _view_request(cast, make_case) | _disclosure(cast, make_case) | _agency_duties(cast)
    live = {r.key for r in DEADLINE_RULES} - set(AWAITING_FEATURE)
    assert live - closed == set(), "live rows that no scenario opened and closed"
