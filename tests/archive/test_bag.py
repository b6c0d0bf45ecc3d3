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
import zipfile
from pathlib import Path

import bagit
import pytest
from django.test import Client

from liuhen.archive import bag
from liuhen.archive.bagcheck import Check
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.core.errors import InvalidInput
from liuhen.ledger.models import Event
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIUHEN_", "DJANGO_"))}
    env["LIUHEN_HOME"] = str(cwd / "no-such-home")  # no database, no server: nothing to read but the bag
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_rule_r14_the_package_proves_itself_and_each_tampering_is_named(cast, make_case, blob_root, tmp_path) -> None:  # type: ignore[no-untyped-def]
    case = scenarios.advance(
        make_case("simplified_procedure", penalty_kind="fine", fine_amount="200"), stages.Stage.CLOSED, cast
    )
    clip = make_clip(tmp_path / "clip.mp4", seconds=1)
    rec = ingest_file(actor=cast.handler, path=clip, officer=cast.handler, case=case).recording
    with pytest.raises(InvalidInput):  # no bound 案卷 yet
        bag.export(actor=None, case=case, out=tmp_path / "early")
    case = scenarios.step(case, "archive", cast)

    good = tmp_path / "bag"
    done = bag.export(actor=None, case=case, out=good)
    assert done.sm3 and (good / "manifest-sm3.txt").is_file()  # GB/T 32905 where OpenSSL provides it
    bagit.Bag(str(good)).validate()  # bagit-python: RFC 8493
    assert Check(good).run() == []
    names = {p.relative_to(good).as_posix() for p in (good / "data").rglob("*") if p.is_file()}
    assert any(n.startswith("data/recordings/") for n in names) and "data/metadata.json" in names
    assert len([n for n in names if n.startswith("data/documents/") and n.endswith(".json")]) == len(
        case.case_file.items
    )
    exported = Event.objects.filter(case_ref=case.pk, action="archive.exported").get()
    assert json.loads(exported.body)["files"]["metadata.json"]
    assert rec.blob.sha256 in (good / "manifest-sha256.txt").read_text()
    with pytest.raises(InvalidInput):  # never over another folder's content
        bag.export(actor=None, case=case, out=good)

    # the command and the standalone script, with no database (LIUHEN_HOME names nothing)
    ok = _run("-m", "liuhen.cli", "verify-bag", str(good), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    script = _run(str(ROOT / "docs" / "verify_bag.py"), str(good), cwd=tmp_path)
    assert script.returncode == 0 and script.stdout.startswith("OK"), script.stdout + script.stderr

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


def test_the_standalone_checker_is_the_one_the_command_runs() -> None:
    assert (ROOT / "docs" / "verify_bag.py").read_bytes() == (
        ROOT / "src" / "liuhen" / "archive" / "bagcheck.py"
    ).read_bytes()
