"""Writers for the sequencing tests, run as a process of its own against the instance in LIUHEN_HOME /
LIUHEN_DATABASE_URL:

    python -m tests.ledger.appenders --threads 8 --per 100 --rollback-every 5 [--integrate]

Each thread appends on its own connection, one event per transaction; every ``rollback-every``-th transaction
appends and then rolls back (its number is released). With ``--integrate`` the background integrator of
`liuhen serve` runs meanwhile. Prints one JSON line: {"committed": n, "rolled_back": m}.
"""

from __future__ import annotations

import argparse
import json
import os
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuhen.settings")


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per", type=int, default=100)
    parser.add_argument("--rollback-every", type=int, default=0)
    parser.add_argument("--integrate", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from liuhen.ledger import services
    from liuhen.ledger.integrator import Background

    bg = Background(interval=0.05) if args.integrate else None
    start = threading.Barrier(args.threads)
    counts = {"committed": 0, "rolled_back": 0}
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run(w: int) -> None:
        try:
            start.wait()
            for i in range(args.per):
                back = bool(args.rollback_every) and (w * args.per + i) % args.rollback_every == 0
                try:
                    with transaction.atomic():
                        services.append(
                            actor=None, action="test.concurrent", subject_type="test", subject_id=f"{w}-{i}", body={}
                        )
                        if back:
                            raise Rollback
                except Rollback:
                    pass
                with lock:
                    counts["rolled_back" if back else "committed"] += 1
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    if bg is not None:
        bg.start()
    threads = [threading.Thread(target=run, args=(w,)) for w in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bg is not None:
        bg.stop()
    if failures:
        raise failures[0]
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
