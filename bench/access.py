"""Registered viewing benchmark: what it costs that every read is a durable ledger event (R9).

    python bench/access.py                 # 1,000 reads of each kind, in 10 alternating rounds
    python bench/access.py --reads 300     # a quick run

A demo instance (SQLite, WAL, synchronous=FULL) is created in a temporary folder. One officer reads a case
of their own through the JSON API (`GET /api/v1/cases/{id}` with a bearer token), one request after another,
in-process through Django's full request path: middleware, authentication, the permission table, the
query, serialisation. The baseline is the same requests in the same run with registration switched off (the
read is not written to the ledger), in alternating rounds, so the ratio is the price of registration alone. The reads by
another unit's officer under an approved 调阅 request (the grant is looked up on every read) are measured as
well.

The last line: RESULT access registered_reads_per_s=… unregistered_reads_per_s=… ratio=… granted_reads_per_s=…
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_instance(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    for args in (["init", "--admin-password", "Bench-admin-2026!"], ["demo"]):
        subprocess.run([sys.executable, "-m", "liuhen.cli", *args], env=env, check=True, capture_output=True)


def rate(client, url: str, n: int) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    for _ in range(n):
        client.get(url)
    return n / (time.perf_counter() - t)


def interleaved(client, url: str, n: int, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Registered and unregistered reads in alternating rounds (the machine's noise hits both alike); the
    median round of each."""
    from liuhen.web import reads

    r = client.get(url)
    assert r.status_code == 200, (r.status_code, r.content[:300])
    real_read = reads.read
    on, off = [], []
    for _ in range(rounds):
        on.append(rate(client, url, n // rounds))
        reads.read = lambda *a, **k: None  # type: ignore[assignment]
        try:
            off.append(rate(client, url, n // rounds))
        finally:
            reads.read = real_read
    return statistics.median(on), statistics.median(off)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=1000, help="reads per kind, over all rounds")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-access-") as tmp:
        home = Path(tmp) / "liuhen-data"
        log("creating a demo instance …")
        make_instance(home)
        os.environ["LIUHEN_HOME"] = str(home)
        os.environ["DJANGO_SETTINGS_MODULE"] = "liuhen.settings"
        for key in ("LIUHEN_DATABASE_URL", "LIUHEN_STORAGE_URL"):
            os.environ.pop(key, None)
        import django

        django.setup()
        from django.test import Client

        from liuhen.access import services as access
        from liuhen.accounts.services import create_token, find_user
        from liuhen.cases.queries import my_cases
        from liuhen.ledger.models import Event

        officer, outsider, head = find_user("zhangwei"), find_user("wangqiang"), find_user("chenjie")
        case = my_cases(officer).order_by("id").first()
        assert case is not None
        url = f"/api/v1/cases/{case.pk}"
        own = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=officer)}")

        before = Event.objects.filter(action="record.read").count()
        registered, unregistered = interleaved(own, url, args.reads, args.rounds)
        written = Event.objects.filter(action="record.read").count() - before
        expected = 1 + args.rounds * (args.reads // args.rounds)
        assert written == expected, f"expected {expected} reads registered, found {written}"

        request = access.request_access(actor=outsider, case_id=case.pk, purpose="基准测试")
        access.decide_access(actor=head, request=request, approve=True, opinion="同意")
        other = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=outsider)}")
        assert other.get(url).status_code == 200
        granted = rate(other, url, args.reads // args.rounds)

    ratio = registered / unregistered
    log(f"registered reads (each a durable ledger event): {registered:,.0f}/s")
    log(f"same reads, registration off (baseline):        {unregistered:,.0f}/s")
    log(f"reads under an approved 调阅 request:            {granted:,.0f}/s")
    print(
        f"RESULT access registered_reads_per_s={registered:.0f} unregistered_reads_per_s={unregistered:.0f} "
        f"ratio={ratio:.2f} granted_reads_per_s={granted:.0f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
