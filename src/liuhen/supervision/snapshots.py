"""The dashboard's figures, kept as snapshots (rule SU3).

Grouping every case, deadline and document of an agency takes seconds at 100,000 cases, so the page does not
run the queries on each view: a task runs them every 15 minutes (and a supervisor may refresh at once), and
the page shows the newest snapshot with its time and the very queries that produced it.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Agency
from liuhen.supervision import queries
from liuhen.supervision.models import DashboardSnapshot

KEEP = timedelta(days=1)  # older snapshots are removed on refresh (they are derived data)


def compute(scope: queries.Scope) -> DashboardSnapshot:
    start = time.perf_counter()
    charts = queries.dashboard(scope)
    body = json.dumps([c.__dict__ for c in charts], ensure_ascii=False, default=str)
    with transaction.atomic():
        snap = DashboardSnapshot.objects.create(
            agency=scope.agency,
            unit=scope.unit,
            computed_at=timezone.now(),
            seconds=time.perf_counter() - start,
            body=body,
        )
        DashboardSnapshot.objects.filter(
            agency=scope.agency, unit=scope.unit, computed_at__lt=snap.computed_at - KEEP
        ).delete()
    return snap


def latest(scope: queries.Scope) -> DashboardSnapshot:
    """The newest snapshot of the scope, computed now when there is none yet."""
    snap = DashboardSnapshot.objects.filter(agency=scope.agency, unit=scope.unit).order_by("-computed_at").first()
    return snap or compute(scope)


def charts_of(snap: DashboardSnapshot) -> list[queries.Chart]:
    return [queries.Chart(**c) for c in json.loads(snap.body)]


def refresh_all() -> int:
    """Recompute every agency's snapshot and each unit's that was viewed."""
    n = 0
    for agency in Agency.objects.all():
        compute(queries.Scope(agency))
        n += 1
        units = DashboardSnapshot.objects.filter(agency=agency, unit__isnull=False).values_list("unit", flat=True)
        for unit in agency.units.filter(pk__in=set(units)):
            compute(queries.Scope(agency, unit))
            n += 1
    return n
