"""The holiday table in force: chinesecalendar's official schedules plus the agency's imports (rule T5)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from liuhen.accounts.models import User
from liuhen.core import calendar
from liuhen.core.calendar import DayKind, OfficialDay
from liuhen.core.errors import InvalidInput
from liuhen.deadlines.models import CalendarDay, CalendarImport
from liuhen.ledger import services as ledger

_installed_version: int | None = None


def _database_ready() -> bool:
    db = settings.DATABASES["default"]
    return not (
        connection.vendor == "sqlite"
        and str(db["NAME"]) != ":memory:"
        and not str(db["NAME"]).startswith("file:")
        and not Path(str(db["NAME"])).exists()
    )


def ensure_calendar() -> calendar.WorkCalendar:
    """Install the official calendar with every imported year (the newest import of each year wins)."""
    global _installed_version
    version = 0
    if _database_ready():
        try:
            version = CalendarImport.objects.aggregate(v=Max("id"))["v"] or 0
        except DatabaseError:  # an instance that was never initialised has no imports
            version = 0
    if version != _installed_version:
        base = calendar.official_calendar()
        latest = {}
        if version:
            for imp in CalendarImport.objects.order_by("id"):
                latest[imp.year] = imp.pk
        days = [
            OfficialDay(d.on, DayKind(d.kind), d.name)
            for d in CalendarDay.objects.filter(calendar_import_id__in=latest.values())
        ]
        calendar.configure(calendar.with_overrides(base, days, latest))
        _installed_version = version
    return calendar.current()


def parse_schedule(data: bytes, filename: str) -> tuple[str, list[OfficialDay]]:
    """A schedule file: JSON ``{"source": …, "days": [{"date", "kind", "name"}]}`` or CSV ``date,kind,name``."""
    text = data.decode("utf-8-sig")
    source = ""
    rows: list[dict[str, str]]
    if filename.lower().endswith(".json"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"{filename} 不是有效的 JSON：{exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("days"), list):
            raise InvalidInput(f'{filename}：应为 {{"source": …, "days": [{{"date", "kind", "name"}}]}}')
        source = str(doc.get("source", ""))
        rows = [dict(r) for r in doc["days"]]
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"date", "kind"} <= set(reader.fieldnames):
            raise InvalidInput(f"{filename}：CSV 须有表头 date,kind,name")
        rows = list(reader)
    days: dict[date, OfficialDay] = {}
    for n, row in enumerate(rows, 1):
        try:
            on = date.fromisoformat(str(row.get("date", "")).strip())
        except ValueError:
            raise InvalidInput(f"{filename} 第 {n} 条：日期“{row.get('date')}”无效（应为 YYYY-MM-DD）") from None
        kind = str(row.get("kind", "")).strip()
        if kind not in {k.value for k in DayKind}:
            raise InvalidInput(f"{filename} 第 {n} 条：类型“{kind}”无效（应为 holiday 放假 或 workday 调休上班）")
        if kind == DayKind.WORKDAY and on.weekday() < 5:
            raise InvalidInput(f"{filename} 第 {n} 条：{on} 本是工作日，不能标为调休上班")
        if on in days:
            raise InvalidInput(f"{filename} 第 {n} 条：{on} 重复")
        days[on] = OfficialDay(on, DayKind(kind), str(row.get("name", "") or "").strip())
    if not days:
        raise InvalidInput(f"{filename} 中没有任何日期")
    return source, sorted(days.values(), key=lambda d: d.on)


@transaction.atomic
def import_schedule(*, actor: User | None, data: bytes, filename: str, source: str = "") -> list[int]:
    """Import an official schedule; returns the years it covers. Deadlines computed as estimates for those
    years are recomputed on the new calendar."""
    file_source, days = parse_schedule(data, filename)
    source = source or file_source
    if not source:
        raise InvalidInput("请注明依据（国务院办公厅关于某年部分节假日安排的通知），--source 或文件中的 source")
    years = sorted({d.on.year for d in days})
    ledger.exclusive()  # the recomputation reaches every case: no append may be in flight across it
    sha = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    for year in years:
        imp = CalendarImport.objects.create(
            year=year, source=source, file_sha256=sha, imported_by=actor, imported_at=now
        )
        day_rows = CalendarDay.objects.bulk_create(
            [CalendarDay(calendar_import=imp, on=d.on, kind=d.kind, name=d.name) for d in days if d.on.year == year]
        )
        ledger.append(
            actor=actor,
            action="calendar.imported",
            subject_type="calendar_import",
            subject_id=imp.pk,
            body={
                "year": year,
                "source": source,
                "file_sha256": sha,
                "days": [[d.on.isoformat(), d.kind.value, d.name] for d in days if d.on.year == year],
            },
            rows=[imp, *day_rows],
        )
    ensure_calendar()
    from liuhen.deadlines.services import recompute_unverified

    recompute_unverified(years)
    return years
