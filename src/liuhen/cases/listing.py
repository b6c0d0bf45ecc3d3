"""Case lists and search at province scale: keyset (cursor) pages, the scope as a union of index-friendly parts,
a bounded count, and ranked Chinese full-text search within the scope.

The permission table's scope for seeing cases (R9) is split into *parts*, each one condition an index answers on
its own: the user's unit, the cases the user works on (``CaseOfficer`` rows), the agency, each supervised agency,
and the cases of an approved 调阅. Each part is read in list order from its own index with the page's keyset
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
Part = tuple[str, Any]  # ("unit" | "agency", id) or ("agencies" | "ids", [ids])


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


def own_case_ids(user: User) -> list[int]:
    return list(CaseOfficer.objects.filter(user=user).values_list("case_id", flat=True))


def scope_parts(user: User, mine: bool = False) -> list[Part]:
    """The parts whose union is what this user may see (R9), or only their own cases with ``mine``."""
    granted = scope(user.role, Action.CASE_VIEW)
    if user.agency_id is None or granted == Scope.NONE:
        return []
    if mine:
        return [("ids", own_case_ids(user))]
    parts: list[Part]
    unit_id = user.unit_id
    if granted == Scope.OWN or (granted == Scope.UNIT and unit_id is None):
        parts = [("ids", own_case_ids(user))]
    elif granted == Scope.UNIT and unit_id is not None:  # own cases of other units: the unit's part has the rest
        elsewhere = CaseOfficer.objects.filter(user=user).exclude(case__unit_id=unit_id)
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
    }[kind]()


def _filter_q(f: Filters) -> Q:
    q = Q()
    if f.procedure:
        q &= Q(procedure=f.procedure)
    if f.stage:
        q &= Q(stage=f.stage)
    if f.unit:
        q &= Q(unit_id=f.unit)
    return q


def _live(parts: list[Part]) -> list[Part]:
    return [p for p in parts if not (p[0] in ("ids", "agencies") and not p[1])]


def list_cases(user: User, f: Filters, cursor: str = "", size: int = 50) -> CasePage:
    """One page of the cases this user may see, newest first (or best match first with ``f.q``)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    parts = _live(scope_parts(user, f.mine))
    hidden = hidden_records(user, "case")
    if f.q.strip():
        return _search(parts, hidden, f, cursor, size)
    where = _filter_q(f)
    after = Q()
    if cursor:
        at, pk = _decode(cursor, "t")
        # created_at <= at is the index condition; the rest only breaks ties (a deep page reads no more rows)
        after = Q(created_at__lte=at) & (Q(created_at__lt=at) | Q(pk__lt=pk))
    rows: set[tuple[datetime, int]] = set()
    for part in parts:
        qs = Case.objects.filter(_part_q(part), where, after).exclude(pk__in=hidden)
        rows |= {(at, pk) for pk, at in qs.order_by("-created_at", "-pk").values_list("pk", "created_at")[: size + 1]}
    ordered = sorted(rows, reverse=True)
    nxt = _encode("t", ordered[size - 1][0].isoformat(), ordered[size - 1][1]) if len(ordered) > size else None
    count, exact = _count(parts, where, hidden)
    return CasePage(_fetch([pk for _, pk in ordered[:size]]), nxt, count, exact)


def _count(parts: list[Part], where: Q, hidden: set[int]) -> tuple[int, bool]:
    seen: set[int] = set()
    for part in parts:
        if part[0] == "ids" and not where:  # the ids are in hand: no query
            seen.update(set(part[1]) - hidden)
            continue
        qs = Case.objects.filter(_part_q(part), where).exclude(pk__in=hidden).order_by()
        seen.update(qs.values_list("pk", flat=True)[: COUNT_CAP + 1])
    return min(len(seen), COUNT_CAP), len(seen) <= COUNT_CAP


def _fetch(ids: list[int]) -> list[Case]:
    by_id = Case.objects.select_related("agency", "unit").in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _part_sql(part: Part) -> tuple[str, list[Any]]:
    kind, value = part
    if kind in ("unit", "agency"):
        return f"t.{kind}_id = %s", [value]
    column = "t.agency_id" if kind == "agencies" else "t.case_id"
    return f"{column} IN ({', '.join(['%s'] * len(value))})", list(value)


def _search(parts: list[Part], hidden: set[int], f: Filters, cursor: str, size: int) -> CasePage:
    ws = query_words(f.q)
    if not ws or not parts:
        return CasePage([], None, 0, True)
    conds, params = [], []
    for part in parts:
        sql, p = _part_sql(part)
        conds.append(sql)
        params += p
    where = [f"({' OR '.join(conds)})"]
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
            f"WHERE t.tsv @@ q.q AND {' AND '.join(where)} ORDER BY t.case_id DESC LIMIT %s"
        )
    else:
        tsq = " ".join('"' + w.replace('"', '""') + '"' for w in ws)
        sql = (
            f"SELECT t.case_id, -bm25({table}_fts, 10.0, 1.0) FROM {table}_fts JOIN {table} t "
            f"ON t.case_id = {table}_fts.rowid WHERE {table}_fts MATCH %s AND {' AND '.join(where)} "
            f"ORDER BY {table}_fts.rowid DESC LIMIT %s"
        )
    with connection.cursor() as c:
        c.execute(sql, [tsq, *params, SEARCH_WINDOW + 1])
        window = [(float(r), int(i)) for i, r in c.fetchall()]
    ranked = sorted(window[:SEARCH_WINDOW], reverse=True)
    if cursor:
        after = _decode(cursor, "r")
        ranked = [k for k in ranked if k < after]
    nxt = _encode("r", ranked[size - 1][0], ranked[size - 1][1]) if len(ranked) > size else None
    exact = len(window) <= SEARCH_WINDOW
    return CasePage(_fetch([i for _, i in ranked[:size]]), nxt, min(len(window), COUNT_CAP), exact)
