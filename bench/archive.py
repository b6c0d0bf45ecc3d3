"""Archive benchmark: assembling a demo case's 案卷, binding its volume, exporting its package and checking it.

    python bench/archive.py              # a fresh demo instance, 5 rounds
    python bench/archive.py --rounds 3   # a quicker run

A demo instance (SQLite) is made in a temporary folder and the closed demo case with the most finalised documents
taken; a first assembly lays out and keeps each document's PDF (a job's work, not measured). Then, in alternating
rounds, each measured beside a baseline of the same bytes in the same run:

- assembly (`liuhen.archive.services.assemble`: order, read each stored PDF, count its pages, store, ledger)
  against a plain copy of the same document PDFs from the store to a folder;
- binding the volume (`volume.build` over the same PDFs: the cover, 目录 and 备考表 laid out in the render
  worker, each document page joined beneath its number; then its PDF/A check, timed on its own) against the
  same copy;
- export of the package (`liuhen.archive.bag.export`: payload, metadata, every event with its proof, a signed
  checkpoint, SHA-256 and SM3 manifests) against a plain copy (`shutil.copytree`) of an exported package's files;
- the 四性检测 of the package (`four_checks.check`) against reading and hashing every file of it once.

The last line: RESULT archive documents=… pages=… package_mb=… assemble_ms=… ratio_assemble=… bind_ms=…
pdfa_check_ms=… ratio_bind=… export_ms=… ratio_export=… check_ms=… ratio_check=… (each ratio: the operation
over its baseline).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_instance(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    for args in (["init", "--admin-password", "Bench-admin-2026!"], ["demo"]):
        subprocess.run([sys.executable, "-m", "liuhen.cli", *args], env=env, check=True, capture_output=True)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def paired(rounds: int, work: Callable[[int], Any], base: Callable[[int], Any]) -> tuple[float, float]:
    """The operation and its baseline in alternating rounds (the machine's noise hits both alike); medians, ms."""
    a, b = [], []
    for n in range(rounds):
        a.append(timed(lambda n=n: work(n)))  # type: ignore[misc]
        b.append(timed(lambda n=n: base(n)))  # type: ignore[misc]
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-archive-") as tmp:
        work = Path(tmp)
        home = work / "liuhen-data"
        log("creating a demo instance …")
        make_instance(home)
        os.environ["LIUHEN_HOME"] = str(home)
        os.environ["DJANGO_SETTINGS_MODULE"] = "liuhen.settings"
        for key in ("LIUHEN_DATABASE_URL", "LIUHEN_STORAGE_URL"):
            os.environ.pop(key, None)
        import django

        django.setup()
        from huey.contrib.djhuey import HUEY

        HUEY.immediate = True  # a render the assembly needs runs in this process, as a job would
        from liuhen.accounts.models import Role, User
        from liuhen.archive import bag, contents, four_checks, pdfa, services, volume
        from liuhen.archive.queries import awaiting_q
        from liuhen.cases.models import Case
        from liuhen.media.storage import default_store

        archivist = User.objects.filter(role=Role.ARCHIVIST).order_by("id").first()
        assert archivist is not None, "the demo has no archivist"
        ended = Case.objects.filter(awaiting_q(), agency_id=archivist.agency_id)
        case = max(ended, key=lambda c: (len(contents.ordered(c)), -c.pk))
        log(f"case {case.case_no}: {len(contents.ordered(case))} documents; first assembly lays out their PDFs …")
        case_file = services.assemble(actor=archivist, case=case)
        store = default_store()
        shas = [i["pdf_sha256"] for i in case_file.items]

        def copy_pdfs(n: int) -> None:
            folder = work / f"copy-{n}"
            folder.mkdir()
            for k, sha in enumerate(shas):
                (folder / f"{k}.pdf").write_bytes(b"".join(store.open_range(sha)))

        assemble_ms, copy_ms = paired(
            args.rounds, lambda n: services.assemble(actor=archivist, case=case), lambda n: copy_pdfs(n)
        )
        case_file = services.assemble(actor=archivist, case=case)
        parts = [b"".join(store.open_range(sha)) for sha in shas]

        pdfa_ms: list[float] = []

        def bind(n: int) -> None:
            bound = volume.build(case_file, parts)
            start = time.perf_counter()
            report = pdfa.check(bound)
            pdfa_ms.append((time.perf_counter() - start) * 1000)
            assert report.passed, report.findings

        bind_ms, bind_copy_ms = paired(args.rounds, bind, lambda n: copy_pdfs(args.rounds + n))

        signer = (
            User.objects.filter(agency_id=case.agency_id, role__in=[Role.LEADER, Role.UNIT_HEAD])
            .exclude(pk=archivist.pk)
            .order_by("role", "id")
        )
        checker = next(u for u in signer if services.may_check(u, case))
        services.sign(actor=archivist, case_file=case_file, role=services.COMPILER)
        case_file = services.sign(actor=checker, case_file=case_file, role=services.CHECKER)
        first = bag.export(actor=archivist, case=case, out=work / "bag-first").path
        files = [p for p in first.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)

        export_ms, export_copy_ms = paired(
            args.rounds,
            lambda n: bag.export(actor=archivist, case=case, out=work / f"bag-{n}"),
            lambda n: shutil.copytree(first, work / f"plain-{n}"),
        )

        def read_all(n: int) -> None:
            for p in files:
                hashlib.sha256(p.read_bytes()).hexdigest()

        def inspect(n: int) -> None:
            failed = [i.code for i in four_checks.check(first) if not i.passed]
            assert failed == [], failed

        check_ms, hash_ms = paired(args.rounds, inspect, read_all)

    pages = case_file.pages
    log(f"案卷: {len(shas)} documents, {pages} pages; package {len(files)} files, {size / 1e6:.1f} MB")
    log(f"assembly  {assemble_ms:8.1f} ms   copy of the documents' PDFs {copy_ms:8.1f} ms")
    check_pdfa_ms = statistics.median(pdfa_ms)
    log(
        f"binding   {bind_ms:8.1f} ms   (layout and join; its PDF/A check {check_pdfa_ms:.1f} ms; "
        f"copy {bind_copy_ms:.1f} ms)"
    )
    log(f"export    {export_ms:8.1f} ms   plain copy of the package  {export_copy_ms:8.1f} ms")
    log(f"四性检测  {check_ms:8.1f} ms   read and hash every file   {hash_ms:8.1f} ms")
    print(
        f"RESULT archive documents={len(shas)} pages={pages} package_mb={size / 1e6:.2f} "
        f"assemble_ms={assemble_ms:.1f} copy_ms={copy_ms:.1f} ratio_assemble={assemble_ms / copy_ms:.1f} "
        f"bind_ms={bind_ms:.1f} pdfa_check_ms={check_pdfa_ms:.1f} ratio_bind={bind_ms / bind_copy_ms:.1f} "
        f"export_ms={export_ms:.1f} export_copy_ms={export_copy_ms:.1f} ratio_export={export_ms / export_copy_ms:.1f} "
        f"check_ms={check_ms:.1f} hash_ms={hash_ms:.1f} ratio_check={check_ms / hash_ms:.1f}"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
