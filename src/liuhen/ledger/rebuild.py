"""Rebuild every projected table from the ledger and compare it with the database, column by column.

Events carry row images (see ``liuhen.ledger.projection``). Events written by older versions carried less;
apps register a legacy reading of those (``register_legacy``) so what they did record is still proven, and
``backfill`` appends one recorded ``ledger.backfilled`` event per table with what they lacked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from liuhen.core.errors import InvalidInput
from liuhen.ledger import projection
from liuhen.ledger.models import Event
from liuhen.ledger.projection import BACKFILL, Table


@dataclass(frozen=True)
class Legacy:
    """What an older event recorded of a personal column: the value in clear, or its bare SHA-256."""

    kind: str  # clear | sha256
    value: str | None

    def matches(self, raw: Any) -> bool:
        if self.kind == "clear":
            return self.value == (raw or "")
        digest = hashlib.sha256(str(raw).encode()).hexdigest() if raw else None
        return self.value == digest


Partial = tuple[str, str, dict[str, Any]]  # (table, row id, columns)
LegacyReader = Callable[[Event, dict[str, Any]], list[Partial]]
_LEGACY: dict[str, list[LegacyReader]] = {}
# Tables every row of which an older version recorded in some event its legacy readers understand: a row there
# that no event names was written behind the ledger's back, and a backfill must not record it.
_LISTED: set[str] = set()


def register_legacy(action: str, reader: LegacyReader, *, lists: Iterable[str] = ()) -> None:
    """Read ``action`` events of older versions with ``reader``; ``lists`` names the tables whose every row such
    events named (so a row none of them names is unrecorded, not merely older)."""
    readers = _LEGACY.setdefault(action, [])
    if reader not in readers:
        readers.append(reader)
    _LISTED.update(lists)


@dataclass(frozen=True)
class Difference:
    table: Table
    row: str
    problem: str
    column: str | None = None
    fillable: bool = False  # nothing recorded yet: a backfill may record it; anything else is tampering


MISSING = object()


def _show(value: Any) -> str:
    text = "空" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


class Rebuild:
    """Fed every event in log order, then compared with the tables."""

    def __init__(self) -> None:
        self.tables = {t.name: t for t in projection.projected_tables()}
        self.state: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.tables}
        self.misplaced: list[tuple[int, str, str]] = []

    def feed(self, event: Event, body: Any) -> None:
        if not isinstance(body, dict):
            return
        for reader in _LEGACY.get(event.action, ()):
            for table, rid, cols in reader(event, body):
                if table in self.state:
                    self.state[table].setdefault(rid, {}).update(cols)
        rows = body.get("rows")
        if not isinstance(rows, list):
            return
        for r in rows:
            if not isinstance(r, dict):
                continue
            spec = self.tables.get(str(r.get("table")))
            if spec is None or (event.action not in spec.policy.actions and event.action != BACKFILL):
                self.misplaced.append((event.seq, event.action, str(r.get("table"))))
                continue
            image = r.get("columns")
            if isinstance(image, dict):
                self.state[spec.name].setdefault(str(r.get("id")), {}).update(image)

    def differences(self) -> Iterator[Difference]:
        for spec in self.tables.values():
            expected = self.state[spec.name]
            seen: set[str] = set()
            qs = spec.model._default_manager.order_by().values_list(*spec.read)
            for values in qs.iterator(chunk_size=5000):
                rid, found = spec.image(values)
                seen.add(rid)
                logged = expected.get(rid)
                if logged is None:
                    listed = spec.name in _LISTED  # older versions named every row of it: none is merely older
                    yield Difference(spec, rid, "账本中没有该行的记录（未经留痕写入）", fillable=not listed)
                    continue
                for col, raw in zip(spec.columns, values[1:], strict=False):
                    exp = logged.get(col.attname, MISSING)
                    if col.attname in spec.policy.copies:
                        exp = self._copied(spec, col.attname, logged, exp)
                    if exp is MISSING:
                        yield Difference(spec, rid, "账本未记录该列", col.attname, fillable=True)
                    elif isinstance(exp, Legacy):
                        if exp.matches(raw):
                            yield Difference(spec, rid, "账本只有旧式记录，待重新承诺", col.attname, fillable=True)
                        else:
                            yield Difference(spec, rid, f"{col.label}：与账本记录不符（被改动）", col.attname)
                    elif exp != found[col.attname]:
                        if col.kind == "personal":  # personal values are never printed
                            problem = f"{col.label}（{col.attname}）：与账本中的承诺值不符（被改动）"
                        else:
                            now = _show(found[col.attname])
                            problem = f"{col.label}（{col.attname}）：账本记录为 {_show(exp)}，现为 {now}"
                        yield Difference(spec, rid, problem, col.attname)
            for rid in sorted(set(expected) - seen, key=_sort_key):
                yield Difference(spec, rid, "账本记录了该行，但表中已不存在（被删除）")

    def _copied(self, spec: Table, column: str, logged: dict[str, Any], carried: Any) -> Any:
        """A copied column's expected value: the column of the row it repeats, as the ledger gives that row."""
        fk, table, source = spec.policy.copies[column]
        other = self.state.get(table, {}).get(str(logged.get(fk)))
        return carried if other is None else other.get(source, carried)


def _sort_key(rid: str) -> tuple[int, str]:
    return (0, rid.zfill(20)) if rid.isdigit() else (1, rid)


def row_names(
    diffs: list[Difference], state: dict[str, dict[str, dict[str, Any]]] | None = None
) -> dict[tuple[str, str], str]:
    """Names for the rows in findings: the table's name, the row id, and its case number where it has one (for
    a deleted row, the case the ledger recorded it under)."""
    from django.apps import apps

    Case = apps.get_model("cases", "Case")
    case_nos = dict(Case.objects.values_list("id", "case_no")) if diffs else {}
    by_table: dict[str, list[Difference]] = {}
    for d in diffs:
        by_table.setdefault(d.table.name, []).append(d)
    names: dict[tuple[str, str], str] = {}
    for table, group in by_table.items():
        spec = group[0].table
        label = str(spec.model._meta.verbose_name)
        ids = [d.row for d in group]
        case_of: dict[str, Any] = {}
        if spec.model is Case:
            case_of = {rid: case_nos.get(int(rid)) for rid in ids if rid.isdigit()}
        elif any(c.attname == "case_id" for c in spec.columns):
            logged = (state or {}).get(table, {})
            recorded = {rid: logged.get(rid, {}).get("case_id") for rid in ids}
            case_of = {rid: case_nos.get(cid) if isinstance(cid, int) else None for rid, cid in recorded.items()}
            case_of.update(
                (str(pk), case_nos.get(cid))
                for pk, cid in spec.model._default_manager.filter(pk__in=ids).values_list("pk", "case_id")
            )
        for d in group:
            case_no = case_of.get(d.row)
            where = f"（案件 {case_no}）" if case_no and spec.model is not Case else ""
            if spec.model is Case and case_no:
                names[(table, d.row)] = f"案件 {case_no}（{table} #{d.row}）"
            else:
                names[(table, d.row)] = f"{label}{where}（{table} #{d.row}）"
    return names


def findings(rebuild: Rebuild) -> Iterator[tuple[str, str]]:
    """(record, problem) for every difference, the unfilled columns of one row in one line."""
    for seq, action, table in rebuild.misplaced:
        yield f"账本事件 #{seq}（{action}）", f"记载了表 {table} 的行，但该表未声明此类事件"
    diffs = list(rebuild.differences())
    names = row_names(diffs, rebuild.state)
    unrecorded: dict[tuple[str, str], list[str]] = {}
    for d in diffs:
        key = (d.table.name, d.row)
        if d.column is not None and d.fillable:
            unrecorded.setdefault(key, []).append(d.column)
            continue
        yield names[key], d.problem
    for key, cols in unrecorded.items():
        yield names[key], f"账本未记录这些列：{'、'.join(cols)}（旧版本的事件未载明；liuhen ledger backfill 可补记）"


def rebuilt(*also: Any) -> Rebuild:
    """The whole log replayed into a ``Rebuild``, ready to compare with the tables (``findings``), and in the same
    pass into each replay of a derived table given in ``also`` (anything with ``feed(event, body)``)."""
    from liuhen.ledger.verify import iter_events

    rebuild = Rebuild()
    for e in iter_events():
        try:
            body = json.loads(e.body)
        except ValueError:
            continue
        rebuild.feed(e, body)
        for replay in also:
            replay.feed(e, body)
    return rebuild


BATCH = 500


def backfill() -> int:
    """Record, in ``ledger.backfilled`` events, what older events did not carry; returns the rows recorded.

    Refused, changing nothing, when anything the ledger does record disagrees with the database: a backfill
    records what the events lacked, it never launders a change.
    """
    from liuhen.ledger import services as ledger

    with transaction.atomic():
        ledger.lock_log()
        ledger.exclusive()  # what it compares stays still until it has recorded
        rebuild = rebuilt()
        diffs = list(rebuild.differences())
        bad = [d for d in diffs if not d.fillable]
        if bad or rebuild.misplaced:
            raise InvalidInput(
                f"数据与账本不符，不能补记（共 {len(bad) + len(rebuild.misplaced)} 处，请先运行 liuhen verify）"
            )
        todo: dict[str, dict[str, set[str] | None]] = {}
        for d in diffs:
            rows = todo.setdefault(d.table.name, {})
            if d.column is None:
                rows[d.row] = None  # the whole row
            elif rows.get(d.row, set()) is not None:
                rows.setdefault(d.row, set()).add(d.column)  # type: ignore[union-attr]
        count = 0
        for name, rows in sorted(todo.items()):
            spec = rebuild.tables[name]
            ids = sorted(rows, key=_sort_key)
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                images: list[dict[str, Any]] = []
                for values in spec.model._default_manager.filter(pk__in=chunk).values_list(*spec.read):
                    rid, cols = spec.image(values)
                    wanted = rows[rid]
                    if wanted is not None:
                        cols = {k: v for k, v in cols.items() if k in wanted}
                    images.append({"table": name, "id": rid, "columns": cols})
                images.sort(key=lambda r: _sort_key(str(r["id"])))
                ledger.append(
                    actor=ledger.SYSTEM,
                    action=BACKFILL,
                    subject_type="table",
                    subject_id=name,
                    body={
                        "reason": "升级：补记旧版本事件未载明的列，个人信息改为加盐承诺值",
                        "rows": images,
                    },
                )
                count += len(images)
        return count
