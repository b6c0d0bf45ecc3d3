"""Public portal benchmark (rules P1, P2): how fast /gongshi/ answers, against the login page in the same run.

    python bench/gongshi.py                 # 500 requests of each page, in 5 alternating rounds
    python bench/gongshi.py --requests 100  # a quick run

A demo instance (SQLite) is created in a temporary folder, and its published entries are multiplied to --entries
by publishing more decisions' entries through the services (real rows, real log leaves and signed checkpoints). The
pages are then requested in-process through Django's full request path, anonymously: the entry page (with its
inclusion proof over the whole log), the search list, the JSON feed of all entries and the agency's 事前 page.
The baseline is the login page (a small template through the same middleware), in alternating rounds.

The last line: RESULT gongshi entry_per_s=… search_per_s=… feed_per_s=… agency_per_s=… login_per_s=… ratios …
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
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    return n / (time.perf_counter() - t)


def more_entries(target: int) -> int:
    """Simplified-procedure warnings decided and published until the portal holds ``target`` entries."""
    from liuhen.accounts.services import find_user
    from liuhen.cases import scenarios, services
    from liuhen.disclosure import services as disclosure
    from liuhen.disclosure.models import Entry, EntryStatus

    users = {u: find_user(u) for u in ("zhangwei", "lina", "chenjie", "sunli", "zhouming", "wufang")}
    cast = scenarios.Cast(*users.values())
    while (n := Entry.objects.filter(status=EntryStatus.PUBLISHED).count()) < target:
        case = services.create_case(
            actor=cast.handler,
            unit=cast.handler.unit,
            procedure="simplified_procedure",
            cause="未按规定佩戴劳动防护用品",
            penalty_kind="warning",
            parties=[services.PartyInput(kind="organisation", name=f"明山测试企业{n}", id_number=f"9132BENCH{n:05d}")],
            officers=[cast.handler, cast.second_officer],
        )
        scenarios.step(case, "decide_on_spot", cast)
        disclosure.publish_entry(actor=cast.unit_head, entry=Entry.objects.get(case=case))
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requests per page, over all rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--entries", type=int, default=200, help="published entries on the portal")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-gongshi-") as tmp:
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

        from liuhen.accounts.models import Agency
        from liuhen.disclosure.models import Entry, EntryStatus

        log(f"publishing entries up to {args.entries} …")
        entries = more_entries(args.entries)
        entry = Entry.objects.filter(status=EntryStatus.PUBLISHED).order_by("id").first()
        assert entry is not None
        agency = Agency.objects.get()
        web = Client(HTTP_HOST="127.0.0.1")
        pages = {
            "entry": f"/gongshi/entries/{entry.pk}/",
            "search": "/gongshi/entries/?party=明山",
            "feed": "/gongshi/feed.json",
            "agency": f"/gongshi/agencies/{agency.pk}/",
            "login": "/login/",
        }
        results: dict[str, list[float]] = {k: [] for k in pages}
        for _ in range(args.rounds):
            for key, url in pages.items():
                results[key].append(rate(web, url, args.requests // args.rounds))
    med = {k: statistics.median(v) for k, v in results.items()}
    for key in pages:
        log(f"{key:7s} {med[key]:8,.0f}/s  ({med[key] / med['login']:.2f}× the login page)")
    print(
        f"RESULT gongshi entries={entries} "
        + " ".join(f"{k}_per_s={v:.0f}" for k, v in med.items())
        + " "
        + " ".join(f"{k}_ratio={med[k] / med['login']:.2f}" for k in pages if k != "login")
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
