"""`liuhen verify` benchmark: the whole database rebuilt from the ledger, on an instance of 100,000+ events.

    python bench/verify.py                  # the demo plus 100,000 events
    python bench/verify.py --events 20000   # a quick run

A demo instance (SQLite, WAL, synchronous=FULL) is created in a temporary folder. Then officers work on
cases through the domain commands: each case is registered with a natural person as party (case, party and
officer rows) and gets nine recorded acts, every one a real event carrying its row images, and it is read
(a registered `record.read` event, as every page or API read is) 40 times. The commands run in batches
inside one transaction each (they nest as savepoints), so building takes minutes, not hours.

Then `verify()` runs once: every leaf hash, the Merkle tree, checkpoint signatures and consistency, the
triggers, and every row of every projected table rebuilt from the events and compared column by column. The
baseline, in the same run, is a plain read of the same data: every event's body parsed and every row of the
same tables read, with nothing computed or compared. The ratio says what proving costs over just reading.

The rebuild of the rows alone (the events' images replayed and every row compared, with its own read of the
log) is timed as well.

The last line: RESULT verify events=… rows=… seconds=… ms_per_1000_rows=… baseline_seconds=… ratio=…
rebuild_seconds=…
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES_PER_BATCH = 10
# acts recorded by hand (a document records the others: its act comes only from finalising it)
ACTS = ("note", "performance", "rights_waiver")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_instance(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    for args in (["init", "--admin-password", "Bench-admin-2026!"], ["demo"]):
        subprocess.run([sys.executable, "-m", "liuhen.cli", *args], env=env, check=True, capture_output=True)


def grow(events: int, reads: int) -> None:
    """Cases worked and read through the commands until the log holds ``events`` more events."""
    from django.db import transaction

    from liuhen.accounts.models import User
    from liuhen.cases import services
    from liuhen.cases.access import register_read
    from liuhen.ledger.models import Event

    officer = User.objects.get(username="zhangwei")
    target = Event.objects.count() + events
    n, start, started = 0, Event.objects.count(), time.perf_counter()
    while Event.objects.count() < target:
        with transaction.atomic():
            for _ in range(CASES_PER_BATCH):
                n += 1
                case = services.create_case(
                    actor=officer,
                    unit=officer.unit,
                    procedure="inspection",
                    cause="未按规定进行安全生产教育培训",
                    summary=f"第{n}次日常检查",
                    parties=[
                        services.PartyInput(
                            kind="individual",
                            name=f"测试{n}",
                            id_number=f"320102{19600101 + n % 400000:08d}{n % 9000 + 1000:04d}",
                            phone=f"139{n:08d}",
                            address=f"明山区测试路{n}号",
                        )
                    ],
                )
                for i in range(9):
                    services.record_act(actor=officer, case=case, kind=ACTS[i % len(ACTS)], note=f"第{i + 1}项记录")
                for _ in range(reads):
                    register_read(
                        user=officer,
                        case=case,
                        subject_type="case",
                        subject_id=case.pk,
                        what=case.case_no,
                        channel="api",
                        purpose="承办本案",
                    )
        done = Event.objects.count()
        log(f"  {done} events ({(done - start) / (time.perf_counter() - started):.0f}/s)")


def plain_read() -> tuple[int, float]:
    """The baseline: every event body parsed and every row of the projected tables read, nothing compared."""
    from liuhen.ledger import projection
    from liuhen.ledger.models import Event

    t = time.perf_counter()
    last = -1
    while True:
        chunk = list(Event.objects.filter(seq__gt=last).order_by("seq")[:5000])
        if not chunk:
            break
        for e in chunk:
            json.loads(e.body)
        last = chunk[-1].seq
    rows = 0
    for spec in projection.projected_tables():
        for _ in spec.model._default_manager.order_by().values_list(*spec.read).iterator(chunk_size=5000):
            rows += 1
    return rows, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events added to the demo")
    parser.add_argument("--reads", type=int, default=40, help="registered reads per case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-verify-") as tmp:
        home = Path(tmp) / "liuhen-data"
        log("creating a demo instance …")
        make_instance(home)
        os.environ["LIUHEN_HOME"] = str(home)
        os.environ["DJANGO_SETTINGS_MODULE"] = "liuhen.settings"
        for key in ("LIUHEN_DATABASE_URL", "LIUHEN_STORAGE_URL"):
            os.environ.pop(key, None)
        import django

        django.setup()
        from liuhen.ledger.models import Event
        from liuhen.ledger.services import issue_checkpoint
        from liuhen.ledger.verify import verify

        log(f"adding {args.events} events through the commands …")
        grow(args.events, args.reads)
        issue_checkpoint()
        events = Event.objects.count()
        rows, baseline = plain_read()
        log(f"plain read of {events} events and {rows} rows: {baseline:.2f} s")
        t = time.perf_counter()
        findings = verify()
        seconds = time.perf_counter() - t
        if findings:
            raise SystemExit("verify found problems on a clean instance:\n" + "\n".join(map(str, findings[:20])))
        log(f"verify: {seconds:.2f} s, no findings")
        from liuhen.ledger import rebuild

        t = time.perf_counter()
        assert list(rebuild.findings(rebuild.rebuilt())) == []
        rows_only = time.perf_counter() - t
        log(f"of which the rows: every event's images replayed and every row compared, alone: {rows_only:.2f} s")
        per_1000 = seconds * 1e6 / rows
        print(
            f"RESULT verify events={events} rows={rows} seconds={seconds:.2f} ms_per_1000_rows={per_1000:.1f} "
            f"baseline_seconds={baseline:.2f} ratio={seconds / baseline:.2f} rebuild_seconds={rows_only:.2f}"
        )


if __name__ == "__main__":
    main()
