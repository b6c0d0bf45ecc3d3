"""The archival package proves itself (rule R14): a BagIt bag that bagit-python validates, checked with no database
by `liuhen verify-bag` and docs/verify_bag.py; a changed byte, a removed file, a changed event or a forged
checkpoint each fail, naming the file."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import bagit
import pytest
from django.test import Client
from pypdf import PdfWriter

from liuhen.access.services import set_mark
from liuhen.archive import bag, four_checks, inspection
from liuhen.archive.bagcheck import Check
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.errors import InvalidInput
from liuhen.ledger.models import Event
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file
from tests.archive.test_case_file import archive_by_hand

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIUHEN_", "DJANGO_"))}
    env["LIUHEN_HOME"] = str(cwd / "no-such-home")  # no database, no server: nothing to read but the bag
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_rules_r2_r14_archiving_by_hand_then_the_package_proves_itself_and_each_tampering_is_named(
    cast, make_case, blob_root, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    case = scenarios.advance(
        make_case("simplified_procedure", penalty_kind="fine", fine_amount="200"), stages.Stage.CLOSED, cast
    )
    clip = make_clip(tmp_path / "clip.mp4", seconds=1)
    rec = ingest_file(actor=cast.handler, path=clip, officer=cast.handler, case=case).recording
    with pytest.raises(InvalidInput):  # no bound 案卷 yet
        bag.export(actor=None, case=case, out=tmp_path / "early")
    case = archive_by_hand(cast, case)  # rules R2, R14: the 案卷 assembled, signed by two people, archived

    good = tmp_path / "bag"
    done = bag.export(actor=None, case=case, out=good)
    assert done.sm3 and (good / "manifest-sm3.txt").is_file()  # GB/T 32905 where OpenSSL provides it
    bagit.Bag(str(good)).validate()  # bagit-python: RFC 8493
    assert Check(good).run() == []
    names = {p.relative_to(good).as_posix() for p in (good / "data").rglob("*") if p.is_file()}
    assert any(n.startswith("data/recordings/") for n in names) and "data/metadata.json" in names
    mets = ET.parse(good / "data" / "mets.xml").getroot()  # the METS wrapper of the same items (R14)
    ns = {"m": "http://www.loc.gov/METS/"}
    assert mets.get("OBJID") == case.case_file.archival_code
    assert len(mets.findall(".//m:structMap//m:div[@TYPE='件']", ns)) == len(case.case_file.items)
    assert len(mets.findall(".//m:fileGrp[@USE='音像']/m:file", ns)) == 1
    assert len([n for n in names if n.startswith("data/documents/") and n.endswith(".json")]) == len(
        case.case_file.items
    )
    exported = Event.objects.filter(case_ref=case.pk, action="archive.exported").order_by("seq").last()
    assert exported is not None
    assert json.loads(exported.body)["files"]["metadata.json"]
    assert rec.blob.sha256 in (good / "manifest-sha256.txt").read_text()
    with pytest.raises(InvalidInput):  # never over another folder's content
        bag.export(actor=None, case=case, out=good)

    # the command and the standalone script, with no database (LIUHEN_HOME names nothing)
    ok = _run("-m", "liuhen.cli", "verify-bag", str(good), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    script = _run(str(ROOT / "docs" / "verify_bag.py"), str(good), cwd=tmp_path)
    assert script.returncode == 0 and script.stdout.startswith("OK"), script.stdout + script.stderr

    four_checks_of_bad_packages(good, tmp_path)  # DA/T 70: one bad package per item code
    inspected = inspection.inspect_case(actor=cast.archivist, case=case, out=tmp_path / "inspection")
    assert inspected.passed and inspected.pdf_path.read_bytes()[:5] == b"%PDF-"
    checked = json.loads(Event.objects.filter(case_ref=case.pk, action="archive.checked").order_by("seq").last().body)
    assert checked["passed"] and "GD-1-1" in checked["items"] and checked["failed"] == []

    pdf = sorted((good / "data" / "documents").glob("*.pdf"))[0].relative_to(good).as_posix()
    # one changed byte in a payload file
    changed = _copy(good, tmp_path / "changed")
    data = bytearray((changed / pdf).read_bytes())
    data[len(data) // 2] ^= 1
    (changed / pdf).write_bytes(bytes(data))
    # the same, with the bag's manifests made again: the ledger still names the file
    remade = _copy(changed, tmp_path / "remade")
    bagit.Bag(str(remade)).save(manifests=True)
    bagit.Bag(str(remade)).validate()  # a valid bag, yet not the archived file
    # a removed file
    removed = _copy(good, tmp_path / "removed")
    recording = next(n for n in names if n.startswith("data/recordings/"))
    (removed / recording).unlink()
    # a changed event
    evented = _copy(good, tmp_path / "evented")
    events = evented / "data" / "ledger" / "events.jsonl"
    events.write_bytes(events.read_bytes().replace(b'"case_no":', b'"case_no": ', 1))
    # a forged checkpoint
    forged = _copy(good, tmp_path / "forged")
    note = forged / "data" / "ledger" / "checkpoint.txt"
    origin, size, rest = note.read_text().split("\n", 2)
    note.write_text(f"{origin}\n{int(size) + 1}\n{rest}")

    expected = {
        changed: [pdf],
        remade: [pdf],
        removed: [recording],
        evented: ["data/ledger/events.jsonl"],
        forged: ["data/ledger/checkpoint.txt"],
    }
    for folder, files in expected.items():
        findings = Check(folder).run()
        assert findings, folder.name
        for name in files:
            assert any(f.startswith(name) for f in findings), (folder.name, findings)
    assert any("archive.assembled" in f or "archive.exported" in f for f in Check(remade).run())
    refused = _run("-m", "liuhen.cli", "verify-bag", str(remade), cwd=tmp_path)
    assert refused.returncode == 1 and pdf in refused.stdout
    script = _run(str(ROOT / "docs" / "verify_bag.py"), str(forged), cwd=tmp_path)
    assert script.returncode == 1 and "checkpoint.txt" in script.stdout

    # the download on the case page is a registered read of its own
    client = Client()
    client.force_login(cast.archivist)
    response = client.get(f"/cases/{case.pk}/archive/bag/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        assert f"{case.case_file.file_no}/bagit.txt" in z.namelist()
    reads = [json.loads(e.body) for e in Event.objects.filter(case_ref=case.pk, action="record.read")]
    assert any(r.get("what") == "档案包" for r in reads), reads
    # rule R11: a record marked 商业秘密 keeps the volume and the package from a role that may not see it
    set_mark(
        actor=cast.unit_head, case=case, subject_type="recording", subject_id=rec.pk, mark="trade_secret", reason="工艺"
    )
    for url in (f"/cases/{case.pk}/archive/bag/", f"/cases/{case.pk}/archive/pdf/"):
        assert client.get(url).status_code == 403


def test_the_standalone_checker_is_the_one_the_command_runs() -> None:
    assert (ROOT / "docs" / "verify_bag.py").read_bytes() == (
        ROOT / "src" / "liuhen" / "archive" / "bagcheck.py"
    ).read_bytes()


def _metadata(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / "data" / "metadata.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bagit.Bag(str(folder)).save(manifests=True)  # a bag made again around the change: the item itself must catch it


def _first_pdf(folder: Path) -> Path:
    return sorted((folder / "data" / "documents").glob("*.pdf"))[0]


def _append(path: Path, tail: bytes) -> None:
    path.write_bytes(path.read_bytes() + tail)


def _replace(path: Path, old: bytes, new: bytes) -> None:
    path.write_bytes(path.read_bytes().replace(old, new))


def _not_pdfa(path: Path) -> None:
    writer = PdfWriter(clone_from=str(path))
    del writer.root_object["/Metadata"]  # no PDF/A identification left
    writer.write(str(path))


# One bad package per item code of DA/T 70 (归档环节), made from a good one
BAD: dict[str, Any] = {
    "GD-1-1": lambda f: (_append(_first_pdf(f), b"%\n"), bagit.Bag(str(f)).save(manifests=True)),
    "GD-1-7": lambda f: _metadata(f, lambda m: m.update({"档号": "第七卷"})),
    "GD-1-10": lambda f: _metadata(f, lambda m: m["文件"][0].update({"字节数": m["文件"][0]["字节数"] + 1})),
    "GD-1-11": lambda f: _metadata(f, lambda m: m["文件"][0].update({"计算机文件名": "documents/none.pdf"})),
    "GD-2-1": lambda f: _metadata(f, lambda m: m.update({"件数": m["件数"] + 1})),
    "GD-2-2": lambda f: _replace(f / "bag-info.txt", b"Payload-Oxum: ", b"Payload-Oxum: 1"),
    "GD-2-4": lambda f: _metadata(f, lambda m: m.update({"立卷人": ""})),
    "GD-2-6": lambda f: _metadata(f, lambda m: m["文件"][-1].update({"件号": 9})),
    "GD-3-1": lambda f: (f / "data" / "metadata.json").write_text("{不是 JSON", encoding="utf-8"),
    "GD-3-3": lambda f: _not_pdfa(_first_pdf(f)),
    "GD-3-4": lambda f: _first_pdf(f).write_bytes(_first_pdf(f).read_bytes()[:200]),
    "GD-4-3": lambda f: (f / "data" / "extra.txt").write_text("多余", encoding="utf-8"),
}


def four_checks_of_bad_packages(good: Path, tmp_path: Path) -> None:
    """rule R14: the good package passes every item; the bad package of each item code fails that item."""
    assert [i.code for i in four_checks.check(good) if not i.passed] == []
    assert {code for code, *_ in four_checks.ITEMS} == set(BAD)
    for code, spoil in BAD.items():
        folder = _copy(good, tmp_path / "four-checks" / code)
        spoil(folder)
        failed = {i.code: i.findings for i in four_checks.check(folder) if not i.passed}
        assert code in failed, (code, failed)
    # the METS wrapper: a file it lists with another checksum is caught by GD-1-11 too
    folder = _copy(good, tmp_path / "four-checks" / "GD-1-11-mets")
    _replace(folder / "data" / "mets.xml", b'CHECKSUM="', b'CHECKSUM="0')
    bagit.Bag(str(folder)).save(manifests=True)
    failed = {i.code: i.findings for i in four_checks.check(folder) if not i.passed}
    assert any("METS" in f for f in failed.get("GD-1-11", [])), failed
