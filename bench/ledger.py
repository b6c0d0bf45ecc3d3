"""Ledger benchmark: durable appends per second, and proof time at large sizes.

    python bench/ledger.py                      # SQLite and (if reachable) PostgreSQL; proofs at 1M and 10M
    python bench/ledger.py --sizes 100000 --appends 500   # a quick run

Appends are measured through `liuhen.ledger.services.append` inside `transaction.atomic()` exactly as the
domain commands call it, one event per transaction and in batches, against a baseline measured in the same
run on the same connection: a plain one-row INSERT + COMMIT of the same body into a scratch table (the
storage's own durable commit rate). SQLite runs in WAL mode with synchronous=FULL, PostgreSQL with its
default synchronous_commit=on: every commit is on disk before the call returns.

Proofs: a log of the largest size is bulk-loaded (same leaf encoding and subtree hashes as the append path,
checked against the tree root); then random inclusion and consistency proofs are generated from the stored
subtree hashes and verified, at each size in --sizes (a prefix of the log is the log at that size).

Concurrent writers: 1, 8 and 32 threads, each on its own connection, append one event per transaction at once
(the same total number of appends in each run); ``concurrent_appends_per_s`` is the rate with 8 writers. The
baseline in the same run: 8 writers whose transactions take the one ledger lock and hold it to commit, as every
append did before sequencing was apart from integration (``pg_concurrent_locked_appends_per_s``). Then the
integrator folds everything appended into the tree (``integrate_per_s``; the log is checked to have no hole and
the tree's root to equal the one recomputed from the leaves), and 8 writers run once more with the background
integrator of `liuhen serve` running: ``integration_lag_ms`` is the time from their last commit until every
event is in the tree (the target is under 1 s). ``--commit-delay N`` also measures 8 writers with PostgreSQL's
commit_delay set per session (N µs).

The last line: RESULT ledger appends_per_s=… (SQLite, durable, one per transaction) proof_ms=… (inclusion +
consistency, generation + verification, largest size), concurrent_appends_per_s=… and
pg_concurrent_appends_per_s=… (8 writers) and the ratios against the baselines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_DB = os.environ.get("BENCH_PG_DB", "liuhen_bench")  # dropped and created by this script
PG_URL = f"postgresql://postgres@127.0.0.1:5432/{PG_DB}"
BODY = {
    "case_no": "明应急罚〔2026〕001号",
    "action": "file",
    "source": "intake",
    "target": "investigation",
    "label": "立案",
    "rules": ["S2"],
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- worker: runs inside one Django process bound to one database ------------------------------------


def _setup(home: str, url: str) -> None:
    os.environ["LIUHEN_HOME"] = home
    os.environ["LIUHEN_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liuhen.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from liuhen.accounts.services import ensure_home

    ensure_home()
    call_command("migrate", verbosity=0, interactive=False)


def measure_appends(n: int, batch: int) -> dict[str, float]:
    from django.db import connection, transaction

    from liuhen.core import canonical
    from liuhen.ledger import services

    body_text = canonical.dumps(BODY).decode()
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    out: dict[str, float] = {}
    for round_ in range(2):  # the first round warms caches; the second is reported
        t = time.perf_counter()
        for i in range(n):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("INSERT INTO bench_raw (id, body) VALUES (%s, %s)", [round_ * n + i, body_text])
        raw = n / (time.perf_counter() - t)
        t = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                services.append(actor=None, action="bench.append", subject_type="bench", subject_id=i, body=BODY)
        single = n / (time.perf_counter() - t)
        t = time.perf_counter()
        for start in range(0, n, batch):
            with transaction.atomic():
                for i in range(start, min(n, start + batch)):
                    services.append(actor=None, action="bench.batch", subject_type="bench", subject_id=i, body=BODY)
        batched = n / (time.perf_counter() - t)
        out = {"raw_insert_per_s": raw, "appends_per_s": single, "batched_appends_per_s": batched}
    return out


def bulk_load(size: int) -> bytes:
    """Write ``size`` events straight into an empty SQLite ledger, as the append path would."""
    from django.conf import settings
    from django.db import connection

    from liuhen.core import merkle
    from liuhen.ledger.envelope import format_at, leaf_data

    connection.close()
    import sqlite3

    db = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")  # loading fixture data only; measured work runs durable
    tree = merkle.CompactRange()
    at = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    at_text = format_at(at).replace("T", " ").rstrip("Z")
    rows = []
    t = time.perf_counter()
    for seq in range(size):
        body = {"case_no": f"明应急罚〔2026〕{seq % 9999:04d}号", "n": seq}
        data = leaf_data(
            seq=seq,
            at=at,
            actor="bench",
            actor_id=None,
            action="bench.load",
            subject_type="bench",
            subject_id=str(seq),
            case_ref=None,
            body=body,
        )
        completed = tree.append(merkle.leaf_hash(data))
        rows.append(
            (
                seq,
                at_text,
                "bench",
                "bench.load",
                "bench",
                str(seq),
                json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                completed[0][1],
                b"".join(h for _, h in completed[1:]),
            )
        )
        if len(rows) == 200_000:
            _load(db, rows)
            rows.clear()
            log(f"  loaded {seq + 1:,} events ({(seq + 1) / (time.perf_counter() - t):,.0f}/s)")
    if rows:
        _load(db, rows)
    db.close()
    return tree.root()


def _load(db: object, rows: list[tuple[object, ...]]) -> None:
    """The events, and their tree rows as the integrator writes them."""
    db.executemany(  # type: ignore[attr-defined]
        "INSERT INTO ledger_event (seq, at, actor, action, subject_type, subject_id, body, leaf_hash) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [r[:-1] for r in rows],
    )
    db.executemany(  # type: ignore[attr-defined]
        "INSERT INTO ledger_tree (seq, leaf_hash, subtree_hashes) VALUES (?,?,?)", [(r[0], r[-2], r[-1]) for r in rows]
    )
    db.commit()  # type: ignore[attr-defined]


def measure_proofs(sizes: list[int], samples: int) -> dict[str, dict[str, float]]:
    from django.db import connection

    from liuhen.core import merkle
    from liuhen.ledger import queries
    from liuhen.ledger.models import Event

    rng = random.Random(6962)
    out: dict[str, dict[str, float]] = {}
    for size in sizes:
        root = queries.root_at(size)
        gen_i, ver_i, gen_c, ver_c, point = [], [], [], [], []
        for _ in range(samples):
            i = rng.randrange(size)
            t = time.perf_counter()
            leaf = bytes(Event.objects.filter(seq=i).values_list("leaf_hash", flat=True).get())
            point.append(time.perf_counter() - t)
            t = time.perf_counter()
            proof = queries.inclusion(i, size)
            gen_i.append(time.perf_counter() - t)
            t = time.perf_counter()
            ok = merkle.verify_inclusion(leaf, i, size, proof, root)
            ver_i.append(time.perf_counter() - t)
            assert ok, f"inclusion proof for {i} at {size} failed"
            old = rng.randrange(1, size)
            t = time.perf_counter()
            cproof = queries.consistency(old, size)
            old_root = queries.root_at(old)
            gen_c.append(time.perf_counter() - t)
            t = time.perf_counter()
            ok = merkle.verify_consistency(old, size, old_root, root, cproof)
            ver_c.append(time.perf_counter() - t)
            assert ok, f"consistency proof {old}->{size} failed"
        ms = lambda xs: statistics.mean(xs) * 1000  # noqa: E731
        out[str(size)] = {
            "inclusion_gen_ms": ms(gen_i),
            "inclusion_verify_ms": ms(ver_i),
            "consistency_gen_ms": ms(gen_c),
            "consistency_verify_ms": ms(ver_c),
            "point_read_ms": ms(point),
            "p99_inclusion_gen_ms": sorted(gen_i)[int(0.99 * (len(gen_i) - 1))] * 1000,
        }
        log(
            f"  size {size:,}: inclusion {ms(gen_i):.3f} ms + verify {ms(ver_i):.3f} ms; consistency "
            f"{ms(gen_c):.3f} ms + verify {ms(ver_c):.3f} ms; one point read {ms(point):.3f} ms"
        )
    connection.close()
    return out


def measure_concurrent(writers: int, per_writer: int, locked: bool = False, commit_delay: int = 0) -> float:
    """Durable appends per second with ``writers`` threads, each on its own connection, one event per
    transaction, all started together; the rate is the total over the wall time of the slowest.

    ``locked``: the former method, kept as the baseline: every append's transaction takes the one ledger lock and
    holds it to commit (what ``append`` itself did before sequencing was apart from integration).
    ``commit_delay`` (PostgreSQL, microseconds, per session): how long a committing backend waits for others to
    share its WAL flush."""
    import threading

    from django.db import connection, transaction

    from liuhen.ledger import services

    start = threading.Barrier(writers + 1)
    failures: list[BaseException] = []

    def run(w: int) -> None:
        try:
            if commit_delay and connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute(f"SET commit_delay = {int(commit_delay)}")
                    cur.execute("SET commit_siblings = 1")
            connection.ensure_connection()  # opened before the clock starts, as a serving process holds one
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    if locked:
                        services.lock_log()
                    services.append(
                        actor=None, action="bench.concurrent", subject_type="bench", subject_id=i, body=BODY
                    )
        except BaseException as exc:  # reported below: a failed writer must not look fast
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise failures[0]
    return writers * per_writer / elapsed


def _process_writer(barrier: object, per_writer: int, locked: bool, failures: object) -> None:
    from django.db import connection, transaction

    from liuhen.ledger import services

    try:
        connection.close()  # never the parent's socket: a connection of its own
        connection.ensure_connection()  # opened before the clock starts, as a serving process holds one
        barrier.wait()  # type: ignore[attr-defined]
        for i in range(per_writer):
            with transaction.atomic():
                if locked:
                    services.lock_log()
                services.append(actor=None, action="bench.processes", subject_type="bench", subject_id=i, body=BODY)
    except BaseException as exc:  # reported by the parent: a failed writer must not look fast
        failures.put(repr(exc))  # type: ignore[attr-defined]
    finally:
        connection.close()


def measure_processes(writers: int, per_writer: int, locked: bool = False) -> float:
    """As ``measure_concurrent`` with processes instead of threads (as `liuhen serve --workers` and job workers
    write): no interpreter lock shared between the writers."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(writers + 1)
    failures = ctx.Queue()
    procs = [ctx.Process(target=_process_writer, args=(barrier, per_writer, locked, failures)) for _ in range(writers)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    if not failures.empty() or any(p.exitcode for p in procs):
        raise RuntimeError(f"a writer process failed: {failures.get() if not failures.empty() else 'exit code'}")
    return writers * per_writer / elapsed


def measure_integration() -> dict[str, float]:
    """Integrate everything the appends above left: events per second, and the check that every sequenced event
    is in the tree, the tree's root equal to the one recomputed from the leaves."""
    from liuhen.core import merkle
    from liuhen.ledger import queries, services
    from liuhen.ledger.integrator import integrate
    from liuhen.ledger.models import Event

    before = services.tree_size()
    t = time.perf_counter()
    size = integrate()
    elapsed = time.perf_counter() - t
    seqs = list(Event.objects.order_by("seq").values_list("seq", "leaf_hash"))
    assert size == services.log_size() == len(seqs) and [s for s, _ in seqs] == list(range(size)), "holes in the log"
    assert queries.root_at(size) == merkle.root_hash([bytes(h) for _, h in seqs]), "tree root differs"
    return {"integrated": size - before, "integrate_per_s": (size - before) / elapsed if elapsed else 0.0}


def measure_lag(writers: int, per_writer: int) -> float:
    """With the embedded instance's background integrator running, the time from the writers' last commit until
    every event is in the tree (ms)."""
    from liuhen.ledger import services
    from liuhen.ledger.integrator import Background

    bg = Background()
    bg.start()
    try:
        measure_concurrent(writers, per_writer)
        t = time.perf_counter()
        while services.tree_size() < services.log_size():
            time.sleep(0.005)
        return (time.perf_counter() - t) * 1000
    finally:
        bg.stop()


def worker(args: argparse.Namespace) -> None:
    home = tempfile.mkdtemp(prefix="liuhen-bench-", dir=args.tmp)
    try:
        run_measurements(args, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_measurements(args: argparse.Namespace, home: str) -> None:
    url = f"sqlite:///{home}/bench.sqlite3" if args.worker == "sqlite" else PG_URL
    _setup(home, url)
    result: dict[str, object] = {"appends": measure_appends(args.appends, args.batch)}
    result["concurrent"] = {
        str(w): measure_concurrent(w, max(1, args.appends // w))
        for w in (1, 8, 32)  # same total per run
    }
    result["concurrent_locked_8"] = measure_concurrent(8, max(1, args.appends // 8), locked=True)
    result["processes"] = {str(w): measure_processes(w, max(1, args.appends // w)) for w in (1, 8, 32)}
    result["processes_locked_8"] = measure_processes(8, max(1, args.appends // 8), locked=True)
    if args.worker == "postgresql" and args.commit_delay:
        result["concurrent_delay_8"] = measure_concurrent(8, max(1, args.appends // 8), commit_delay=args.commit_delay)
    result["integration"] = measure_integration()
    result["lag_ms"] = measure_lag(8, max(1, args.appends // 8))
    if args.worker == "sqlite" and args.sizes:
        from django.core.management import call_command

        # a fresh database for the bulk log
        from django.db import connection

        connection.close()
        Path(f"{home}/bench.sqlite3").unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{home}/bench.sqlite3{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0, interactive=False)
        largest = max(args.sizes)
        log(f"  bulk-loading {largest:,} events")
        root = bulk_load(largest)
        from liuhen.ledger import queries

        assert queries.root_at(largest) == root, "stored subtrees do not give the streamed root"
        result["proofs"] = measure_proofs(sorted(args.sizes), args.samples)
    print(json.dumps(result))


# --- driver -------------------------------------------------------------------------------------------


def pg_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


def reset_pg_database(create: bool = True) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        if create:
            conn.execute(f"CREATE DATABASE {PG_DB}")


def run_worker(kind: str, args: argparse.Namespace) -> dict[str, object]:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--appends",
        str(args.appends),
        "--batch",
        str(args.batch),
        "--samples",
        str(args.samples),
        "--commit-delay",
        str(args.commit_delay),
        "--sizes",
        ",".join(map(str, args.sizes if kind == "sqlite" else [])),
    ]
    if args.tmp:
        cmd += ["--tmp", args.tmp]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _log_integration(r: dict[str, object]) -> None:
    log(
        f"  writer processes 1/8/32: {' / '.join(f'{v:,.0f}' for v in r['processes'].values())} appends/s; "  # type: ignore[attr-defined]
        f"8 with the former lock held to commit: {r['processes_locked_8']:,.0f}"
    )
    log(
        f"  8 writers with the former lock held to commit: {r['concurrent_locked_8']:,.0f} appends/s"
        + (f"; with commit_delay: {r['concurrent_delay_8']:,.0f}" if "concurrent_delay_8" in r else "")
    )
    i = r["integration"]
    log(
        f"  integration: {i['integrated']:,.0f} events at {i['integrate_per_s']:,.0f}/s; "  # type: ignore[index]
        f"lag after the last commit with the background integrator {r['lag_ms']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=2000, help="appends per measurement")
    parser.add_argument("--batch", type=int, default=500, help="events per transaction in the batched run")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",") if x], default=[1_000_000, 10_000_000])
    parser.add_argument("--samples", type=int, default=500, help="random proofs per size")
    parser.add_argument("--tmp", default=None, help="folder for the bench databases (default: system temp)")
    parser.add_argument(
        "--commit-delay", type=int, default=0, help="PostgreSQL: also measure 8 writers with this commit_delay (µs)"
    )
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    log("SQLite (WAL, synchronous=FULL)")
    sqlite = run_worker("sqlite", args)
    a = sqlite["appends"]
    log(
        f"  appends/s: {a['appends_per_s']:,.0f} one per transaction, {a['batched_appends_per_s']:,.0f} batched; "  # type: ignore[index]
        f"raw one-row commits/s {a['raw_insert_per_s']:,.0f}"
    )  # type: ignore[index]
    log(f"  concurrent writers 1/8/32: {' / '.join(f'{v:,.0f}' for v in sqlite['concurrent'].values())} appends/s")  # type: ignore[attr-defined]
    _log_integration(sqlite)
    pg = None
    if pg_reachable():
        reset_pg_database()
        log("PostgreSQL (synchronous_commit=on)")
        try:
            pg = run_worker("postgresql", args)
        finally:
            reset_pg_database(create=False)
        b = pg["appends"]
        log(
            f"  appends/s: {b['appends_per_s']:,.0f} one per transaction, {b['batched_appends_per_s']:,.0f} "  # type: ignore[index]
            f"batched; raw one-row commits/s {b['raw_insert_per_s']:,.0f}"
        )  # type: ignore[index]
        log(f"  concurrent writers 1/8/32: {' / '.join(f'{v:,.0f}' for v in pg['concurrent'].values())} appends/s")  # type: ignore[attr-defined]
        _log_integration(pg)
    else:
        log("PostgreSQL: no server on 127.0.0.1:5432, skipped")
    print(json.dumps({"sqlite": sqlite, "postgresql": pg}, indent=1))
    fields = [
        f"appends_per_s={a['appends_per_s']:.0f}",  # type: ignore[index]
        f"batched_appends_per_s={a['batched_appends_per_s']:.0f}",  # type: ignore[index]
        f"ratio_raw_commit={a['appends_per_s'] / a['raw_insert_per_s']:.2f}",
        f"concurrent_appends_per_s={sqlite['concurrent']['8']:.0f}",  # type: ignore[index]
        f"concurrent_32_appends_per_s={sqlite['concurrent']['32']:.0f}",  # type: ignore[index]
        f"processes_appends_per_s={sqlite['processes']['8']:.0f}",  # type: ignore[index]
        f"integration_lag_ms={sqlite['lag_ms']:.0f}",
    ]  # type: ignore[index]
    if pg:
        b = pg["appends"]
        fields += [
            f"pg_appends_per_s={b['appends_per_s']:.0f}",  # type: ignore[index]
            f"pg_batched_appends_per_s={b['batched_appends_per_s']:.0f}",  # type: ignore[index]
            f"pg_ratio_raw_commit={b['appends_per_s'] / b['raw_insert_per_s']:.2f}",
            f"pg_concurrent_appends_per_s={pg['concurrent']['8']:.0f}",  # type: ignore[index]
            f"pg_concurrent_locked_appends_per_s={pg['concurrent_locked_8']:.0f}",
            f"pg_processes_appends_per_s={pg['processes']['8']:.0f}",  # type: ignore[index]
            f"pg_processes_locked_appends_per_s={pg['processes_locked_8']:.0f}",
            f"pg_ratio_concurrent_locked={pg['concurrent']['8'] / pg['concurrent_locked_8']:.2f}",  # type: ignore[index,operator]
            f"pg_ratio_concurrent_raw_commit={pg['concurrent']['8'] / b['raw_insert_per_s']:.2f}",  # type: ignore[index]
            f"pg_concurrent_32_appends_per_s={pg['concurrent']['32']:.0f}",  # type: ignore[index]
            f"pg_integrate_per_s={pg['integration']['integrate_per_s']:.0f}",  # type: ignore[index]
            f"pg_integration_lag_ms={pg['lag_ms']:.0f}",
        ]  # type: ignore[index]
        if "concurrent_delay_8" in pg:
            fields.append(f"pg_concurrent_commit_delay_appends_per_s={pg['concurrent_delay_8']:.0f}")
    proofs = sqlite.get("proofs")
    if proofs:
        size = max(proofs, key=int)  # type: ignore[arg-type]
        p = proofs[size]  # type: ignore[index]
        total = p["inclusion_gen_ms"] + p["inclusion_verify_ms"] + p["consistency_gen_ms"] + p["consistency_verify_ms"]
        fields += [f"proof_size={size}", f"proof_ms={total:.3f}", f"ratio_point_read={total / p['point_read_ms']:.1f}"]
    print("RESULT ledger " + " ".join(fields))


if __name__ == "__main__":
    main()
