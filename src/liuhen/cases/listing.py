"""Case lists and search at province scale: keyset (cursor) pages, the scope as a union of index-friendly parts,
a bounded count, and ranked Chinese full-text search within the scope.

The permission table's scope for seeing cases (R9) is split into *parts*, each one condition an index answers on
its own: the user's unit, the cases the user works on (``CaseOfficer`` rows, which repeat their case's unit and
registration time so they are read in list order from their own index), the agency, each supervised agency, and
the cases of an approved 调阅. Each part is read in list order from its own index with the page's keyset
condition and at most one page plus one row; the parts are merged in Python. No part ever scans past the page, so
a first page and a page 90 % deep cost the same. The total is counted the same way up to ``COUNT_CAP`` and shown as
"more than" beyond it: an exact count of a province is never needed to work a list.

Search (rule R9 still applies: only cases in the scope) segments the query with jieba and matches every word in
the search table (PostgreSQL ``tsvector`` with a GIN index, SQLite FTS5), ranked by the database (``ts_rank`` /
``bm25``; words of the case number, parties and cause weigh more than words of the summary), newest first among
equal ranks. The ranking covers the newest ``SEARCH_WINDOW`` matches (cases registered last): the database reads
matches in the order of case ids until it has that many, so a word found in half a province's cases costs what a
rare one does; beyond the window the list says "more than 1,000" and asks for a narrower query.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from liuhen.accounts.models import User
from liuhen.cases.access import granted_case_ids, hidden_records, subordinate_agencies
from liuhen.cases.models import Case, CaseOfficer
from liuhen.core.errors import InvalidInput
from liuhen.core.permissions import Action, Scope, scope
from liuhen.search.models import CaseText
from liuhen.search.segment import query_words

COUNT_CAP = 1000
SEARCH_WINDOW = COUNT_CAP  # search ranks the newest this many matches in the scope
MAX_PAGE_SIZE = 200
PER_AGENCY_PARTS = 8  # supervising more agencies than this, they are read as one part
Part = tuple[str, Any]  # ("unit" | "agency", id), ("agencies" | "ids", [ids]) or ("own", user id)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    procedure: str = ""
    stage: str = ""
    unit: int | None = None
    mine: bool = False


@dataclass
class CasePage:
    items: list[Case]
    next: str | None  # the cursor of the following page, None on the last
    count: int  # the number of cases listed, or COUNT_CAP when there are more
    count_exact: bool


def _encode(kind: str, key: Any, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, key, pk]).encode()).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> tuple[Any, int]:
    try:
        k, key, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if k != kind or not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
            raise ValueError
        if kind == "t":
            key = datetime.fromisoformat(key)
        elif not isinstance(key, int | float) or isinstance(key, bool):
            raise ValueError
        return key, pk
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInput("翻页位置（cursor）无效：请从第一页重新查询") from None


def scope_parts(user: User, mine: bool = False) -> list[Part]:
    """The parts whose union is what this user may see (R9), or only their own cases with ``mine``."""
    granted = scope(user.role, Action.CASE_VIEW)
    if user.agency_id is None or granted == Scope.NONE:
        return []
    if mine:
        return [("own", user.pk)]
    parts: list[Part]
    unit_id = user.unit_id
    if granted == Scope.OWN or (granted == Scope.UNIT and unit_id is None):
        parts = [("own", user.pk)]
    elif granted == Scope.UNIT and unit_id is not None:  # own cases of other units: the unit's part has the rest
        # read from the index of the user's own cases alone (it holds each case's unit): usually none
        elsewhere = CaseOfficer.objects.filter(user=user).exclude(case_unit_id=unit_id)
        parts = [("unit", unit_id), ("ids", list(elsewhere.values_list("case_id", flat=True)))]
    elif granted == Scope.AGENCY:
        parts = [("agency", user.agency_id)]
    else:
        below = subordinate_agencies(user.agency_id)
        parts = [("agency", a) for a in below] if len(below) <= PER_AGENCY_PARTS else [("agencies", below)]
    grants = list(granted_case_ids(user))
    if grants:
        parts.append(("ids", grants))
    return parts


def _part_q(part: Part) -> Q:
    kind, value = part
    return {
        "unit": lambda: Q(unit_id=value),
        "agency": lambda: Q(agency_id=value),
        "agencies": lambda: Q(agency_id__in=value),
        "ids": lambda: Q(pk__in=value),
        "own": lambda: Q(officers__user_id=value),
    }[kind]()


def part_of_case_q(part: Part) -> Q:
    """One part of the scope as a filter on rows that belong to a case (``case`` foreign key)."""
    kind, value = part
    return {
        "unit": lambda: Q(case__unit_id=value),
        "agency": lambda: Q(case__agency_id=value),
        "agencies": lambda: Q(case__agency_id__in=value),
        "ids": lambda: Q(case_id__in=value),
        "own": lambda: Q(case_id__in=CaseOfficer.objects.filter(user_id=value).values("case_id")),
    }[kind]()


def live_scope_parts(user: User) -> list[Part]:
    """The parts of what this user may see (R9), without the empty ones."""
    return _live(scope_parts(user))


def encode_cursor(kind: str, key: Any, pk: int) -> str:
    return _encode(kind, key, pk)


def decode_cursor(cursor: str, kind: str) -> tuple[Any, int]:
    return _decode(cursor, kind)


def _filter_q(f: Filters, own: bool = False) -> Q:
    """The filters on cases, or (``own``) on a user's ``CaseOfficer`` rows."""
    case = "case__" if own else ""
    q = Q()
    if f.procedure:
        q &= Q(**{f"{case}procedure": f.procedure})
    if f.stage:
        q &= Q(**{f"{case}stage": f.stage})
    if f.unit:
        q &= Q(**{"case_unit_id" if own else "unit_id": f.unit})
    return q


def _after_q(at: datetime, pk: int, own: bool = False) -> Q:
    """After the keyset position (at, pk) in list order; created_at <= at is the index condition, the rest only
    breaks ties (a deep page reads no more rows)."""
    created, key = ("case_created_at", "case_id") if own else ("created_at", "pk")
    return Q(**{f"{created}__lte": at}) & (Q(**{f"{created}__lt": at}) | Q(**{f"{key}__lt": pk}))


def _part_rows(part: Part, f: Filters, after: tuple[datetime, int] | None, hidden: set[int], limit: int) -> set:
    """The first ``limit`` (created_at, id) of one part in list order, after the keyset position."""
    if part[0] == "own":
        own = CaseOfficer.objects.filter(user_id=part[1]).filter(_filter_q(f, own=True))
        if after:
            own = own.filter(_after_q(*after, own=True))
        rows = own.exclude(case_id__in=hidden).order_by("-case_created_at", "-case_id")
        return {(at, pk) for pk, at in rows.values_list("case_id", "case_created_at")[:limit]}
    qs = Case.objects.filter(_part_q(part), _filter_q(f))
    if after:
        qs = qs.filter(_after_q(*after))
    qs = qs.exclude(pk__in=hidden).order_by("-created_at", "-pk")
    return {(at, pk) for pk, at in qs.values_list("pk", "created_at")[:limit]}


def _live(parts: list[Part]) -> list[Part]:
    return [p for p in parts if not (p[0] in ("ids", "agencies") and not p[1])]


def list_cases(user: User, f: Filters, cursor: str = "", size: int = 50) -> CasePage:
    """One page of the cases this user may see, newest first (or best match first with ``f.q``)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    parts = _live(scope_parts(user, f.mine))
    hidden = hidden_records(user, "case")
    if f.q.strip():
        return _search(parts, hidden, f, cursor, size)
    after = _decode(cursor, "t") if cursor else None
    rows: set[tuple[datetime, int]] = set()
    for part in parts:
        rows |= _part_rows(part, f, after, hidden, size + 1)
    ordered = sorted(rows, reverse=True)
    nxt = _encode("t", ordered[size - 1][0].isoformat(), ordered[size - 1][1]) if len(ordered) > size else None
    count, exact = _count(parts, f, hidden)
    return CasePage(_fetch([pk for _, pk in ordered[:size]]), nxt, count, exact)


def _count(parts: list[Part], f: Filters, hidden: set[int]) -> tuple[int, bool]:
    where = _filter_q(f)
    seen: set[int] = set()
    for part in parts:
        if part[0] == "ids" and not where:  # the ids are in hand: no query
            seen.update(set(part[1]) - hidden)
            continue
        if part[0] == "own":
            own = CaseOfficer.objects.filter(user_id=part[1]).filter(_filter_q(f, own=True))
            seen.update(own.exclude(case_id__in=hidden).order_by().values_list("case_id", flat=True)[: COUNT_CAP + 1])
            continue
        qs = Case.objects.filter(_part_q(part), where).exclude(pk__in=hidden).order_by()
        seen.update(qs.values_list("pk", flat=True)[: COUNT_CAP + 1])
    return min(len(seen), COUNT_CAP), len(seen) <= COUNT_CAP


def _fetch(ids: list[int]) -> list[Case]:
    by_id = Case.objects.select_related("agency", "unit").in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _part_sql(part: Part) -> tuple[str, list[Any]]:
    # the ids typed as the columns' (bigint): PostgreSQL's GIN indexes of (unit or agency, words) take no other type
    kind, value = part
    if kind in ("unit", "agency"):
        return f"t.{kind}_id = CAST(%s AS BIGINT)", [value]
    if kind == "own":
        return f"t.case_id IN (SELECT case_id FROM {CaseOfficer._meta.db_table} WHERE user_id = %s)", [value]
    if kind == "agencies":
        return f"t.agency_id IN ({', '.join(['CAST(%s AS BIGINT)'] * len(value))})", list(value)
    return f"t.case_id IN ({', '.join(['%s'] * len(value))})", list(value)


def _search(parts: list[Part], hidden: set[int], f: Filters, cursor: str, size: int) -> CasePage:
    ws = query_words(f.q)
    if not ws or not parts:
        return CasePage([], None, 0, True)
    where, params = [], []
    if hidden:
        where.append(f"t.case_id NOT IN ({', '.join(['%s'] * len(hidden))})")
        params += sorted(hidden)
    filters = _filter_q(f)
    if filters:
        sub, sub_params = Case.objects.filter(filters).values("pk").query.sql_with_params()
        where.append(f"t.case_id IN ({sub})")
        params += list(sub_params)
    table = CaseText._meta.db_table
    if connection.vendor == "postgresql":
        tsq = " & ".join("'" + w.replace("'", "''") + "'" for w in ws)
        sql = (
            f"SELECT t.case_id, ts_rank(t.tsv, q.q) FROM {table} t, to_tsquery('simple', %s) AS q(q) "
            "WHERE t.tsv @@ q.q AND {where} ORDER BY t.case_id DESC LIMIT %s"
        )
    else:
        tsq = " ".join('"' + w.replace('"', '""') + '"' for w in ws)
        sql = (
            f"SELECT t.case_id, -bm25({table}_fts, 10.0, 1.0) FROM {table}_fts JOIN {table} t "
            f"ON t.case_id = {table}_fts.rowid WHERE {table}_fts MATCH %s AND {{where}} "
            f"ORDER BY {table}_fts.rowid DESC LIMIT %s"
        )
    # each part on its own (an index of the part's column with the words answers it), the newest of their union
    found: dict[int, float] = {}
    with connection.cursor() as c:
        for part in parts:
            cond, part_params = _part_sql(part)
            c.execute(sql.format(where=" AND ".join([cond, *where])), [tsq, *part_params, *params, SEARCH_WINDOW + 1])
            found.update((int(i), float(r)) for i, r in c.fetchall())
    window = [(found[i], i) for i in sorted(found, reverse=True)[: SEARCH_WINDOW + 1]]
    ranked = sorted(window[:SEARCH_WINDOW], reverse=True)
    if cursor:
        after = _decode(cursor, "r")
        ranked = [k for k in ranked if k < after]
    nxt = _encode("r", ranked[size - 1][0], ranked[size - 1][1]) if len(ranked) > size else None
    exact = len(window) <= SEARCH_WINDOW
    return CasePage(_fetch([i for _, i in ranked[:size]]), nxt, min(len(window), COUNT_CAP), exact)
