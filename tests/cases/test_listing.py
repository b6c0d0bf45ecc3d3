"""Case lists at scale: keyset pages, the scope as a union of parts, ranked Chinese full-text search (rule R9)."""

from __future__ import annotations

import json

import pytest
from django.core import serializers
from django.db import connection
from django.test import Client

from liuhen.accounts import services as accounts
from liuhen.accounts.models import Role
from liuhen.cases import access, approvals, listing, services
from liuhen.cases.models import Case, CaseOfficer
from liuhen.core.errors import InvalidInput
from liuhen.core.permissions import Action
from liuhen.documents import services as documents
from liuhen.ledger import rebuild
from liuhen.ledger import services as ledger
from liuhen.search.models import CaseText
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    def client_for(user):  # type: ignore[no-untyped-def]
        return Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(actor=None, user=user)}")

    return client_for


def _ids(page: listing.CasePage) -> list[int]:
    return [c.pk for c in page.items]


def _walk(user, f: listing.Filters, size: int) -> list[int]:  # type: ignore[no-untyped-def]
    seen, cursor = [], ""
    while True:
        page = listing.list_cases(user, f, cursor=cursor, size=size)
        seen += _ids(page)
        if page.next is None:
            return seen
        cursor = page.next


@pytest.fixture
def spread(cast, units, make_case):  # type: ignore[no-untyped-def]
    """Five cases of the officer's unit (he works on three) and two of another unit."""
    other = make_user(cast.handler.agency, units[1], "officer9", Role.OFFICER, "CERT-9")
    ours = [make_case() for _ in range(3)]
    ours += [
        services.create_case(
            actor=cast.second_officer,
            unit=units[0],
            procedure="general_procedure",
            cause="未按规定进行安全生产教育培训",
            officers=[cast.second_officer],
        )
        for _ in range(2)
    ]
    theirs = [
        services.create_case(
            actor=other,
            unit=units[1],
            procedure="general_procedure",
            cause="未按规定贮存危险化学品",
            summary="检查发现仓库内违规存放",
            parties=[services.PartyInput(kind="organisation", name="某某化工有限公司")],
            officers=[other],
        )
        for _ in range(2)
    ]
    return ours, theirs


def test_keyset_pages_walk_the_whole_scope_newest_first_once_each_rule_R9(cast, spread) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = spread
    everyone = [c.pk for c in sorted(ours + theirs, key=lambda c: (c.created_at, c.pk), reverse=True)]
    assert _walk(cast.leader, listing.Filters(), size=2) == everyone  # the agency: every case, in list order
    assert _walk(cast.handler, listing.Filters(), size=2) == [c for c in everyone if c in {x.pk for x in ours}]
    assert _walk(cast.handler, listing.Filters(mine=True), size=1) == [c.pk for c in reversed(ours[:3])]
    first = listing.list_cases(cast.handler, listing.Filters(), size=2)
    assert (first.count, first.count_exact) == (5, True) and first.next is not None
    assert listing.list_cases(cast.handler, listing.Filters(stage="closed"), size=2).items == []
    with pytest.raises(InvalidInput, match="cursor"):
        listing.list_cases(cast.handler, listing.Filters(), cursor="eyJ0Ijo")
    with pytest.raises(InvalidInput):  # a search position is no list position
        listing.list_cases(cast.handler, listing.Filters(), cursor=listing._encode("r", 0.5, 3))


def test_chinese_search_is_ranked_and_stays_within_the_scope_rule_R9(cast, spread, make_case) -> None:  # type: ignore[no-untyped-def]
    _, theirs = spread
    mine = make_case(parties=[services.PartyInput(kind="individual", name="张三丰")])
    assert "张三丰" in CaseText.objects.get(case=mine).head
    found = listing.list_cases(cast.handler, listing.Filters(q="张三丰"))
    assert _ids(found) == [mine.pk] and (found.count, found.count_exact) == (1, True)
    # 危险化学品 names only the other unit's cases: the officer finds none, the leader both
    assert listing.list_cases(cast.handler, listing.Filters(q="危险化学品")).items == []
    assert set(_ids(listing.list_cases(cast.leader, listing.Filters(q="危险化学品")))) == {c.pk for c in theirs}
    # the case number in any bracket form finds the case
    for form in (mine.case_no, mine.case_no.replace("〔", "[").replace("〕", "]"), mine.case_no.replace("〔", "(")):
        assert mine.pk in _ids(listing.list_cases(cast.leader, listing.Filters(q=form))), form
    # a word of the cause (weighted A) ranks before a word only in the summary (weighted C)
    cause_hit = services.create_case(
        actor=cast.handler,
        unit=mine.unit,
        procedure="general_procedure",
        cause="仓库消防通道堵塞",
        officers=[cast.handler],
    )
    ranked = _ids(listing.list_cases(cast.leader, listing.Filters(q="仓库")))
    assert ranked[0] == cause_hit.pk and set(ranked[1:]) == {c.pk for c in theirs}
    assert _walk(cast.leader, listing.Filters(q="仓库"), size=1) == ranked  # ranked pages by cursor
    assert listing.list_cases(cast.leader, listing.Filters(q="仓库", procedure="licence")).items == []
    assert listing.list_cases(cast.leader, listing.Filters(q="，。")).items == []  # no word, no match
    client = Client()
    client.force_login(cast.handler)
    html = client.get("/cases/", {"q": "张三丰"}).content.decode()
    assert html.count(mine.case_no) == 1 and "共 1 件，按相关度排列" in html and html.count('class="pager"') == 1


def test_the_search_index_is_the_databases_own(cast, spread) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: a GIN index over a stored tsvector; SQLite: an FTS5 table fed by triggers."""
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_casetext'")
            assert any("gin (tsv)" in r[0] for r in c.fetchall())
        else:
            c.execute("SELECT count(*) FROM search_casetext_fts WHERE search_casetext_fts MATCH '化工'")
            assert c.fetchone()[0] == 5  # the cases with 某某化工有限公司 as party
    assert CaseText.objects.count() == 7


def _visible(user) -> list[int]:  # type: ignore[no-untyped-def]
    """What the permission table lets the user see, case by case, in list order (the reference for the lists)."""
    cases = sorted(Case.objects.all(), key=lambda c: (c.created_at, c.pk), reverse=True)
    return [c.pk for c in cases if access.allowed(user, Action.CASE_VIEW, c)]


def test_an_officers_scope_from_his_case_rows_is_the_permission_tables_after_he_changes_unit_rule_R9(
    cast, spread, units
) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = spread
    handler = cast.handler
    assert _walk(handler, listing.Filters(), size=2) == _visible(handler) == [c.pk for c in reversed(ours)]
    # he moves to the other unit (as the administration page does it): its cases, and still his own of the first
    handler.unit = units[1]
    handler.save()
    ledger.append(
        actor=None, action="user.changed", subject_type="user", subject_id=handler.pk, body={}, rows=[handler]
    )
    own = [c.pk for c in reversed(ours[:3])]
    expected = _visible(handler)
    assert set(expected) == set(own) | {c.pk for c in theirs}
    assert _walk(handler, listing.Filters(), size=2) == expected
    first = listing.list_cases(handler, listing.Filters(), size=2)
    assert (first.count, first.count_exact) == (5, True)
    assert _walk(handler, listing.Filters(mine=True), size=2) == own
    assert listing.list_cases(handler, listing.Filters(mine=True), size=1).count == 3
    assert _walk(handler, listing.Filters(stage="intake", mine=True), size=1) == own
    assert _walk(handler, listing.Filters(unit=units[0].pk), size=1) == own
    # search reads the same parts: his own cases of the first unit, and the other unit's
    assert set(_ids(listing.list_cases(handler, listing.Filters(q="化工")))) == set(expected)
    assert set(_ids(listing.list_cases(handler, listing.Filters(q="化工", mine=True)))) == set(own)


def test_a_case_officer_row_repeats_its_cases_unit_and_time_and_verify_holds_them_to_it_rule_R8(
    cast, make_case, units
) -> None:  # type: ignore[no-untyped-def]
    case = make_case()
    approvals.assign_officer(actor=cast.handler, case=case, officer=cast.second_officer)
    rows = list(CaseOfficer.objects.filter(case=case))
    assert len(rows) == 2
    assert all((r.case_unit_id, r.case_created_at) == (case.unit_id, case.created_at) for r in rows)
    assert list(rebuild.findings(rebuild.rebuilt())) == []
    # an event of an older version did not carry the copies: the case's own row gives them
    replayed = rebuild.rebuilt()
    for image in replayed.state["cases_caseofficer"].values():
        image.pop("case_unit_id"), image.pop("case_created_at")
    assert list(rebuild.findings(replayed)) == []
    # a copy changed behind the ledger's back is reported, even where its event carried none
    CaseOfficer.objects.filter(pk=rows[1].pk).update(case_unit_id=units[1].pk)
    for replay in (rebuild.rebuilt(), replayed):
        problems = [p for _, p in rebuild.findings(replay)]
        assert len(problems) == 1 and "case_unit_id" in problems[0], problems
    CaseOfficer.objects.filter(pk=rows[1].pk).update(case_unit_id=case.unit_id)


def test_documents_list_by_keyset_pages_within_the_scope_rule_R9(cast, spread, api) -> None:  # type: ignore[no-untyped-def]
    """The documents of the cases one may see, by case and then as made, page by page with ``next``; each page
    reads only its own rows, and the total is bounded."""
    ours, theirs = spread
    made = [
        (c, documents.create_document(actor=c.created_by, case=c, code="inspection_transcript", data={}))
        for c in (*ours, *theirs)
        for _ in range(2)
    ]

    def walk(user, **params) -> list[int]:  # type: ignore[no-untyped-def]
        seen, cursor = [], ""
        while True:
            body = api(user).get("/api/v1/documents", {**params, "cursor": cursor, "page_size": 3}).json()
            assert len(body["items"]) <= 3
            seen += [d["id"] for d in body["items"]]
            if body["next"] is None:
                return seen
            cursor = body["next"]

    def expected(cases) -> list[int]:  # type: ignore[no-untyped-def]
        return [d.pk for c, d in sorted(made, key=lambda x: (x[0].pk, x[1].pk)) if c in cases]

    assert walk(cast.leader) == expected(ours + theirs)
    assert walk(cast.handler) == expected(ours)  # his unit's, not the other unit's
    assert walk(cast.handler, case=theirs[0].pk) == []
    assert walk(cast.leader, case=theirs[0].pk) == expected([theirs[0]])
    first = api(cast.handler).get("/api/v1/documents", {"page_size": 3}).json()
    assert (first["count"], first["count_exact"]) == (10, True)
    for wrong in ("not-a-cursor", listing._encode("t", "2026-01-01T00:00:00+00:00", 3)):
        assert api(cast.handler).get("/api/v1/documents", {"cursor": wrong}).status_code == 422


def test_a_backup_of_an_older_version_restores_the_case_officer_rows_with_their_cases_unit_and_time(
    make_case,
) -> None:  # type: ignore[no-untyped-def]
    """Restore loads rows as stored (``loaddata``); rows of a version before the copies get them from their case."""
    case = make_case()
    row = CaseOfficer.objects.get(case=case)
    dumped = json.loads(serializers.serialize("json", [row]))
    for field in ("case_unit", "case_created_at"):
        del dumped[0]["fields"][field]
    pk = row.pk
    row.delete()
    for obj in serializers.deserialize("json", json.dumps(dumped)):
        obj.save()
    again = CaseOfficer.objects.get(case=case)
    assert (again.pk, again.case_unit_id, again.case_created_at) == (pk, case.unit_id, case.created_at)
