"""``liuhen verify`` rebuilds every deadline instance from the ledger and compares it with the table (rule R8).

Deadline rows are derived: nothing appends their images. Verify replays the log through the same engine the
subscriber runs (``liuhen.deadlines.engine``), each event with the holiday table and the documents in force when it
was recorded, the calendar imports recomputing estimates where they did (rule T5), and the scan's
``deadline.ended`` events ending lapsed windows where it did. A due day moved, a late period marked as met, a
period deleted or one added behind the ledger's back: each is a finding naming the case, the rule and the column.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from liuhen.accounts.models import Agency
from liuhen.cases.models import Case
from liuhen.core import calendar
from liuhen.core.calendar import DayKind, OfficialDay, WorkCalendar
from liuhen.core.rules.deadlines import BY_KEY
from liuhen.deadlines import engine
from liuhen.deadlines.models import CalendarDay, Deadline, DeadlineStatus
from liuhen.deadlines.services import ENDED, agency_of, apply_event, event_names
from liuhen.ledger.envelope import format_at
from liuhen.ledger.models import Event

COMPARED = ("rule_id", "kind", "trigger", "due_at", "due_on", "unverified_year", "status", "closed_at", "closed_by_seq")
Key = tuple[int | None, int | None, str, str, int | None, str]


def key_of(dl: Deadline) -> Key:
    k = engine.natural_key(dl)
    return (*engine.owner_of(dl), k["rule_key"], k["subject"], k["trigger_seq"], k["started_at"])


class MemoryBook(engine.Book):
    """Deadline instances held in memory, in the order they were opened, by whose they are (a case, an agency)."""

    def __init__(self) -> None:
        self.by_owner: dict[engine.Owner, list[Deadline]] = {}

    def _of(self, owner: engine.Owner, rule_key: str, subject: str | None) -> Iterator[Deadline]:
        for dl in self.by_owner.get(owner, ()):
            if dl.rule_key == rule_key and (subject is None or dl.subject == subject):
                yield dl

    def open_exists(self, owner: engine.Owner, rule_key: str, subject: str | None) -> bool:
        return any(dl.status == DeadlineStatus.OPEN for dl in self._of(owner, rule_key, subject))

    def latest(self, owner: engine.Owner, rule_key: str, subject: str | None) -> Deadline | None:
        best: Deadline | None = None
        for dl in self._of(owner, rule_key, subject):  # ties on the start go to the later one, as id order does
            if best is None or dl.started_at >= best.started_at:
                best = dl
        return best

    def add(self, dl: Deadline) -> None:
        self.by_owner.setdefault(engine.owner_of(dl), []).append(dl)

    def open_of(self, owner: engine.Owner, keys: list[str]) -> list[Deadline]:
        return [dl for dl in self.by_owner.get(owner, ()) if dl.rule_key in keys and dl.status == DeadlineStatus.OPEN]

    def unverified(self, years: list[int]) -> list[Deadline]:
        return [dl for rows in self.by_owner.values() for dl in rows if dl.unverified_year in years]

    def changed(self, dl: Deadline, fields: list[str]) -> None:
        pass

    def rows(self) -> Iterator[Deadline]:
        for rows in self.by_owner.values():
            yield from rows


class Replay:
    """Fed every event in log order (by verify's single pass), then compared with the ``Deadline`` table."""

    def __init__(self) -> None:
        self.book = MemoryBook()
        rows = Case.objects.values_list("id", "procedure", "agency_id")
        self.cases = {pk: (proc, agency) for pk, proc, agency in rows}
        self.base = calendar.official_calendar()
        self.imports: dict[int, int] = {}  # year -> the import in force, as of the event being replayed
        self.cal: WorkCalendar = self.base
        self.problems: list[tuple[str, str]] = []

    def _context(self, case_id: int, at: datetime | None) -> engine.Context | None:
        known = self.cases.get(case_id)
        if known is None:
            return None
        return engine.Context(case_id, known[0], known[1], book=self.book, cal=self.cal, as_of=at)

    def feed(self, event: Event, body: Any) -> None:
        if not isinstance(body, dict):
            return
        if event.action == "calendar.imported":
            self._imported(event, body)
        elif event.action == ENDED:
            self._ended(event, body)
        elif event.case_ref is not None:
            names = event_names(event, body)
            ctx = self._context(event.case_ref, event.at) if names else None
            if ctx is not None:
                apply_event(ctx, event, body, names)
        else:  # an agency's own duty (P4, P7): the event names the agency
            names = event_names(event, body)
            agency = agency_of(event, body) if names else None
            if agency is not None:
                ctx = engine.Context(None, "", agency, book=self.book, cal=self.cal, as_of=event.at)
                apply_event(ctx, event, body, names)

    def _imported(self, event: Event, body: dict[str, Any]) -> None:
        year = body.get("year")
        if not isinstance(year, int):
            return
        self.imports[year] = int(event.subject_id)
        days = [
            OfficialDay(on, DayKind(kind), name)
            for on, kind, name in CalendarDay.objects.filter(calendar_import_id__in=self.imports.values()).values_list(
                "on", "kind", "name"
            )
        ]
        self.cal = calendar.with_overrides(self.base, days, self.imports)

        def ctx_of(dl: Deadline) -> engine.Context:
            if dl.case_id is None:
                assert dl.agency_id is not None
                return engine.Context(None, "", dl.agency_id, book=self.book, cal=self.cal, as_of=event.at)
            ctx = self._context(dl.case_id, event.at)
            assert ctx is not None
            return ctx

        engine.recompute(self.book, [year], ctx_of, self.cal)

    def _ended(self, event: Event, body: dict[str, Any]) -> None:
        try:
            at = datetime.fromisoformat(str(body.get("ended_at")).replace("Z", "+00:00"))
        except ValueError:
            self.problems.append((f"账本事件 #{event.seq}（{ENDED}）", "期满时间无法读取"))
            return
        wanted = [d for d in body.get("deadlines", []) if isinstance(d, dict)]
        owner: engine.Owner = (event.case_ref, None) if event.case_ref is not None else (None, agency_of(event, body))
        for d in wanted:
            key = (*owner, d.get("rule_key"), d.get("subject"), d.get("trigger_seq"), d.get("started_at"))
            match = next((dl for dl in self.book.by_owner.get(owner, ()) if key_of(dl) == key), None)
            if match is None or match.status != DeadlineStatus.OPEN:
                self.problems.append(
                    (f"账本事件 #{event.seq}（{ENDED}）", f"所称届满的期限 {d.get('rule_key')} 在重算中不存在或已办结")
                )
                continue
            match.status, match.closed_at, match.closed_by_seq = DeadlineStatus.ENDED, at, event.seq

    def findings(self) -> Iterator[tuple[str, str]]:
        yield from self.problems
        expected: dict[Key, Deadline] = {}
        for dl in self.book.rows():
            expected[key_of(dl)] = dl
        case_nos = dict(Case.objects.values_list("id", "case_no"))
        case_nos |= {-pk: name for pk, name in Agency.objects.values_list("id", "name")}  # an agency's own
        seen: set[Key] = set()
        for dl in Deadline.objects.order_by("id").iterator(chunk_size=5000):
            key = key_of(dl)
            name = _name(dl, case_nos)
            if key in seen:
                yield name, "同一期限重复出现"
                continue
            seen.add(key)
            want = expected.get(key)
            if want is None:
                yield name, "账本事件不产生该期限（未经留痕写入）"
                continue
            for column in COMPARED:
                exp, found = _value(getattr(want, column)), _value(getattr(dl, column))
                if exp != found:
                    label = getattr(Deadline._meta.get_field(column), "verbose_name", column)
                    yield name, f"{label}（{column}）：按账本重算为 {exp or '空'}，现为 {found or '空'}"
        for key in expected.keys() - seen:
            yield _name(expected[key], case_nos), "按账本应有该期限，但表中不存在（被删除）"


def _value(value: Any) -> str:
    if isinstance(value, datetime):
        return format_at(value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _name(dl: Deadline, case_nos: dict[int, str]) -> str:
    rule = BY_KEY.get(dl.rule_key)
    title = f"{dl.rule_key} {rule.title}" if rule else dl.rule_key
    row = f" #{dl.pk}" if dl.pk else ""
    if dl.case_id is None:
        of = f"，{dl.subject.removeprefix('year:')}年度" if dl.subject.startswith("year:") else ""
        whose = f"机关 {case_nos.get(-(dl.agency_id or 0), dl.agency_id)}{of}"
    else:
        whose = f"案件 {case_nos.get(dl.case_id, dl.case_id)}"
    return f"期限 {title}（{whose}，起算账本事件 #{dl.trigger_seq}{row}）"
