"""Supervision dashboard benchmark (rule SU3): the page at /supervision/ on a database of 100,000 cases.

    python bench/supervision.py                    # 100,000 cases on SQLite (the embedded instance)
    python bench/supervision.py --cases 20000      # a quick run
    python bench/supervision.py --database-url postgresql://postgres@127.0.0.1:5432/liuhen_bench

A demo instance is created in a temporary folder; then the generated records are bulk-inserted beside the
demo's (cases over twelve months in every procedure and stage, two deadline instances each, an inspection
transcript each, recordings for a fifth, late uploads, 调阅 requests, review sheets and findings). They are
inserted straight into the tables, without ledger events: the point is the size of the tables the
dashboard's grouped queries read, not the history (`liuhen verify` would report them, so the instance is
thrown away). The supervisor's dashboard (eight charts with their tables and queries, read from the
snapshot the 15-minute task keeps) is then requested through Django's full request path, after one warm-up
request; the baseline, in the same run, is the supervisor's case list page (/cases/) on the same database.
The time to recompute the snapshot (the eight charts' queries, each timed) is reported too.

The last line: RESULT supervision db=… cases=… dashboard_ms=… unit_dashboard_ms=… case_list_ms=… ratio=… refresh_ms=…
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_instance(home: Path, database_url: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    if database_url:
        env["LIUHEN_DATABASE_URL"] = database_url
    for args in (["init", "--admin-password", "Bench-admin-2026!"], ["demo"]):
        subprocess.run([sys.executable, "-m", "liuhen.cli", *args], env=env, check=True, capture_output=True)


def generate(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from liuhen.accounts.models import Agency, User
    from liuhen.cases.models import AccessRequest, Case
    from liuhen.core import stages
    from liuhen.deadlines.models import Deadline
    from liuhen.documents.models import Document
    from liuhen.media.models import Blob, Recording
    from liuhen.supervision.models import Finding, ReviewRound, ReviewSheet, ScoringTable

    rng = random.Random(2026)
    agency = Agency.objects.get(name="明山区应急管理局")
    units = list(agency.units.all())
    officers = list(User.objects.filter(agency=agency, role="officer"))
    supervisor = User.objects.get(username="zhengkai")
    now = timezone.now()
    procs = [p for p in stages.Procedure]
    stage_of = {p: list(stages.stages_of(p)) for p in procs}
    first = Case.objects.order_by("-id").first()
    base = (first.pk if first else 0) + 1
    batch = 5000
    with transaction.atomic():
        blob = Blob.objects.create(sha256="0" * 64, size=1, content_type="video/mp4", stored_at=now)
        for start in range(0, n, batch):
            cases, deadlines, docs, recs, reqs = [], [], [], [], []
            for i in range(start, min(start + batch, n)):
                p = rng.choice(procs)
                created = now - timedelta(days=rng.randrange(365), minutes=rng.randrange(1440))
                cases.append(
                    Case(
                        pk=base + i,
                        agency=agency,
                        unit=rng.choice(units),
                        case_no=f"基准〔{i}〕号",
                        procedure=p.value,
                        stage=rng.choice(stage_of[p]).value,
                        cause="基准测试案件",
                        is_major=rng.random() < 0.02,
                        penalty_kind="fine",
                        fine_amount=Decimal(rng.choice([200, 5000, 30000])),
                        created_by=officers[i % len(officers)],
                        created_at=created,
                        stage_changed_at=created,
                    )
                )
            Case.objects.bulk_create(cases)
            for c in cases:
                for key, rule_id in (("SV1", "SV1"), ("D7", "D7")):
                    due = c.created_at + timedelta(days=10 if key == "SV1" else 90)
                    status = rng.choice(["met", "met", "met", "late", "open"])
                    deadlines.append(
                        Deadline(
                            case=c,
                            rule_key=key,
                            rule_id=rule_id,
                            kind="deadline",
                            trigger="bench",
                            started_at=c.created_at,
                            due_at=due,
                            due_on=due.date(),
                            status=status,
                            closed_at=None if status == "open" else due,
                        )
                    )
                docs.append(
                    Document(
                        case=c,
                        doc_type="inspection_transcript",
                        status="final",
                        data="{}",
                        created_by=c.created_by,
                        created_at=c.created_at,
                        finalised_at=c.created_at,
                        document_no=f"检笔〔{c.pk}〕",
                    )
                )
                if rng.random() < 0.2:
                    up = c.created_at + timedelta(hours=rng.choice([2, 30]))
                    recs.append(
                        Recording(
                            blob=blob,
                            case=c,
                            officer=c.created_by,
                            unit=c.unit,
                            file_name=f"{c.pk}.mp4",
                            recorded_from=c.created_at,
                            recorded_to=c.created_at + timedelta(minutes=5),
                            uploaded_at=up,
                            upload_due_at=c.created_at + timedelta(hours=24),
                        )
                    )
                if rng.random() < 0.01:
                    reqs.append(
                        AccessRequest(
                            case=c,
                            requested_by=officers[0],
                            purpose="基准",
                            requested_at=c.created_at,
                            status=rng.choice(["approved", "refused", "pending"]),
                        )
                    )
            Deadline.objects.bulk_create(deadlines)
            Document.objects.bulk_create(docs)
            Recording.objects.bulk_create(recs)
            AccessRequest.objects.bulk_create(reqs)
            log(f"  {min(start + batch, n):,} cases")
        table = ScoringTable.objects.filter(agency=agency).first()
        for r in range(4):
            rnd = ReviewRound.objects.create(
                agency=agency,
                title=f"基准评查{r}",
                share_percent=10,
                seed="0",
                tree_size=0,
                opened_by=supervisor,
                opened_at=now,
            )
            picked = rng.sample(range(base, base + n), min(n, 500))
            ReviewSheet.objects.bulk_create(
                ReviewSheet(
                    round=rnd,
                    case_id=pk,
                    table=table,
                    selected_as="random",
                    reviewer=supervisor,
                    status="checked",
                    total=Decimal(rng.randrange(50, 100)),
                    grade=rng.choice(["excellent", "pass", "fail"]),
                )
                for pk in picked
            )
        Finding.objects.bulk_create(
            Finding(
                agency=agency,
                kind=rng.choice(["no_record", "non_compliant", "altered"]),
                origin="review",
                case_id=base + i,
                description="基准",
                evidence="基准",
                due_on=now.date(),
                opened_by=supervisor,
                opened_at=now,
                closed_at=now if i % 2 else None,
            )
            for i in range(0, n, 100)
        )


def timed(client, url: str, runs: int) -> float:  # type: ignore[no-untyped-def]
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.content[:300])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database of its own (emptied first)")
    parser.add_argument("--keep", default=None, help="keep the generated instance in this folder; reuse it if there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-supervision-") as tmp:
        home = Path(args.keep) if args.keep else Path(tmp) / "liuhen-data"
        fresh = not home.exists()
        if fresh:
            log("creating a demo instance …")
            make_instance(home, args.database_url)
        os.environ["LIUHEN_HOME"] = str(home)
        os.environ["DJANGO_SETTINGS_MODULE"] = "liuhen.settings"
        for key in ("LIUHEN_DATABASE_URL", "LIUHEN_STORAGE_URL"):
            os.environ.pop(key, None)
        if args.database_url:
            os.environ["LIUHEN_DATABASE_URL"] = args.database_url
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from liuhen.accounts.services import find_user
        from liuhen.cases.models import Case

        if fresh:
            log(f"generating {args.cases:,} cases …")
            generate(args.cases)
        else:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        total = Case.objects.count()
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(find_user("zhengkai"))
        from liuhen.accounts.models import Agency
        from liuhen.supervision import queries, snapshots

        scope = queries.Scope(Agency.objects.get(name="明山区应急管理局"))
        for key, build in queries.CHARTS.items():
            t = time.perf_counter()
            build(scope)
            log(f"  chart {key}: {(time.perf_counter() - t) * 1000:,.0f} ms")
        t = time.perf_counter()
        snapshots.compute(scope)  # what the 15-minute task does
        refresh = (time.perf_counter() - t) * 1000
        client.get("/supervision/?unit=1")  # the unit's first view computes its snapshot
        dashboard = timed(client, "/supervision/", args.runs)
        unit = timed(client, "/supervision/?unit=1", args.runs)
        cases = timed(client, "/cases/", args.runs)
    log(f"{connection.vendor}, {total:,} cases")
    log(f"/supervision/ (agency, 8 charts):  {dashboard:,.0f} ms (median of {args.runs})")
    log(f"/supervision/?unit=1 (one unit):   {unit:,.0f} ms")
    log(f"/cases/ (baseline, same database): {cases:,.0f} ms")
    log(f"recomputing the agency's figures (the 15-minute task): {refresh:,.0f} ms")
    print(
        f"RESULT supervision db={connection.vendor} cases={total} dashboard_ms={dashboard:.0f} "
        f"unit_dashboard_ms={unit:.0f} case_list_ms={cases:.0f} ratio={dashboard / cases:.2f} refresh_ms={refresh:.0f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
