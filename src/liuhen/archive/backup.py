"""Backup to the agency's archive storage and restore into an empty home (rule R13: monthly, 004 第十一条).

``backup(url)`` copies, to a folder (file://) or an S3 bucket (s3://):

- ``blobs/``: every stored file not yet there (recordings, posters, attachments, the 案卷 and document PDFs),
  content-addressed as in the blob store, so a second backup copies only what is new;
- ``snapshots/<UTC time>/database.ljson.gz``: the database as one consistent snapshot (a REPEATABLE READ
  transaction on PostgreSQL, one read transaction on SQLite), in Django's engine-neutral serialisation, so a
  backup taken on SQLite restores onto PostgreSQL and back;
- the checkpoint log kept outside the database, and the ledger's signing key (the archive storage is the
  agency's own; without the key a restored instance could not sign on under the same name);
- ``manifest.json``: what the snapshot holds (each file's SHA-256, every blob it needs, the latest signed
  checkpoint), signed with the ledger key (``manifest.sig``).

An ``archive.backed_up`` event records each backup before the snapshot, so the snapshot holds its own record
and the supervisor sees the last backup's date. ``restore(url)`` checks the manifest's signature and every
file's hash, refuses a database that holds anything, loads the snapshot, and copies the blobs back; then
`liuhen verify` checks everything again."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from liuhen.archive import serializer
from liuhen.core.errors import InvalidInput
from liuhen.ledger import services as ledger
from liuhen.ledger import signing
from liuhen.ledger.models import Checkpoint, Event
from liuhen.media.storage import BlobMissing, default_store, store_for

# Tables Django fills by itself on migrate, and working state no one restores
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]
FORMAT = "liuhen-backup/1"
DUMP = f"database.{serializer.FORMAT}.gz"


class Target:
    """Named files in a folder or under an S3 prefix."""

    def __init__(self, url: str, client: Any = None) -> None:
        parsed = urlparse(url)
        self.url = url.rstrip("/")
        self.scheme = parsed.scheme
        if self.scheme == "file":
            self.root = Path(parsed.path)
        elif self.scheme == "s3":
            import boto3

            self.bucket, self.prefix = parsed.netloc, parsed.path.strip("/")
            self.client = client or boto3.client("s3")
        else:
            raise InvalidInput(f"备份地址应为 file:///文件夹 或 s3://存储桶/前缀，不是 {url}")

    def _key(self, name: str) -> str:
        return "/".join(p for p in (self.prefix, name) if p)

    def write(self, name: str, data: bytes) -> None:
        if self.scheme == "file":
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        else:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def read(self, name: str) -> bytes:
        try:
            if self.scheme == "file":
                return (self.root / name).read_bytes()
            return bytes(self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read())
        except Exception as exc:  # a missing file, an absent object
            raise InvalidInput(f"备份中缺少 {name}") from exc

    def snapshots(self) -> list[str]:
        if self.scheme == "file":
            folder = self.root / "snapshots"
            return (
                sorted(p.name for p in folder.iterdir() if (p / "manifest.json").is_file()) if folder.is_dir() else []
            )
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key("snapshots/"), Delimiter="/"
        )
        return sorted(
            p["Prefix"].rstrip("/").rsplit("/", 1)[-1] for page in pages for p in page.get("CommonPrefixes", [])
        )

    def blob_store(self) -> Any:
        return store_for(f"{self.url}/blobs", client=getattr(self, "client", None))


@dataclass(frozen=True)
class BackedUp:
    snapshot: str
    new_blobs: int
    blobs: int
    events: int


def needed_blobs() -> Iterator[str]:
    """Every stored file the records name: Blob rows, and the 案卷 and document PDFs of bound case files."""
    from liuhen.archive.file_disposal import tombstones
    from liuhen.archive.models import CaseFile
    from liuhen.media.models import Blob

    gone = tombstones()
    seen: set[str] = set()
    for sha in Blob.objects.values_list("sha256", flat=True).iterator(chunk_size=2000):
        if sha not in gone and sha not in seen:
            seen.add(sha)
            yield sha
    for f in CaseFile.objects.only("pdf_sha256", "contents").iterator(chunk_size=200):
        for sha in [f.pdf_sha256, *(i["pdf_sha256"] for i in f.items)]:
            if sha and sha not in seen and sha not in gone:
                seen.add(sha)
                yield sha


def _sign(data: bytes) -> str:
    return base64.b64encode(signing.load_private_key().sign(data)).decode()


def backup(url: str, *, client: Any = None) -> BackedUp:
    target = Target(url, client)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    with transaction.atomic():
        ledger.append(actor=None, action="archive.backed_up", subject_type="backup", subject_id=stamp, body={"to": url})
    ledger.issue_checkpoint()  # the snapshot's newest events under a signed head
    with tempfile.TemporaryDirectory(prefix="liuhen-backup-") as tmp:
        dump = Path(tmp) / f"database.{serializer.FORMAT}.gz"
        serializer.register()
        outer = connection.in_atomic_block
        with transaction.atomic():  # one snapshot of every table
            if connection.vendor == "postgresql" and not outer:  # (inside a caller's transaction: its snapshot)
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            call_command("dumpdata", exclude=EXCLUDE, output=str(dump), format=serializer.FORMAT, verbosity=0)
            events = Event.objects.count()
            latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
            blobs = list(needed_blobs())
        data = dump.read_bytes()
    source, dest = default_store(), target.blob_store()
    new = 0
    for sha in blobs:
        if not dest.exists(sha):
            try:
                dest.put(source.open_range(sha))
            except BlobMissing as exc:
                raise InvalidInput(f"存储中缺少文件 {sha[:16]}…，请先运行 liuhen verify 查明") from exc
            new += 1
    files = {DUMP: data, "ledger.pem": Path(settings.SIGNING_KEY_PATH).read_bytes()}
    log = urlparse(settings.CHECKPOINT_LOG_URL)
    if log.scheme == "file" and Path(log.path).is_file():
        files["checkpoints.log"] = Path(log.path).read_bytes()
    for name, content in files.items():
        target.write(f"snapshots/{stamp}/{name}", content)
    manifest = json.dumps(
        {
            "format": FORMAT,
            "snapshot": stamp,
            "engine": connection.vendor,
            "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
            "blobs": blobs,
            "events": events,
            "checkpoint": latest.note if latest else None,
            "verifier_key": signing.verifier_key(),
        },
        ensure_ascii=False,
        indent=1,
    ).encode()
    target.write(f"snapshots/{stamp}/manifest.json", manifest)
    target.write(f"snapshots/{stamp}/manifest.sig", _sign(manifest).encode())
    return BackedUp(stamp, new, len(blobs), events)


def _check_signature(manifest: bytes, sig: bytes, vkey: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    raw = base64.b64decode(vkey.split("+", 2)[2])
    try:
        Ed25519PublicKey.from_public_bytes(raw[1:]).verify(base64.b64decode(sig), manifest)
    except (InvalidSignature, ValueError) as exc:
        raise InvalidInput("备份清单的签名无效：备份被改动，或不是这把密钥签发的") from exc


def restore(url: str, *, snapshot: str = "", key: str = "", client: Any = None) -> dict[str, Any]:
    """Load a snapshot into this home's empty database and blob store. ``key`` pins the verifier key the
    manifest must be signed with (default: the key that signed it, whose private half the backup holds)."""
    from liuhen.accounts.models import User

    target = Target(url, client)
    names = target.snapshots()
    if not names:
        raise InvalidInput(f"{url} 中没有备份")
    chosen = snapshot or names[-1]
    if chosen not in names:
        raise InvalidInput(f"没有名为 {chosen} 的备份（有：{'、'.join(names[-5:])}）")
    manifest = target.read(f"snapshots/{chosen}/manifest.json")
    body = json.loads(manifest)
    if body.get("format") != FORMAT:
        raise InvalidInput("不是留痕的备份清单")
    files = {name: target.read(f"snapshots/{chosen}/{name}") for name in body["files"]}
    for name, content in files.items():
        if hashlib.sha256(content).hexdigest() != body["files"][name]:
            raise InvalidInput(f"备份文件 {name} 与清单不符")
    pem = files["ledger.pem"]
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise InvalidInput("备份中的签名密钥不是 Ed25519 私钥")
    vkey = signing.verifier_key(key=private)
    if key and key.strip() != vkey:
        raise InvalidInput("备份的签名密钥不是指定的验证公钥")
    _check_signature(manifest, target.read(f"snapshots/{chosen}/manifest.sig"), vkey)
    if Event.objects.exists() or User.objects.exists():
        raise InvalidInput("本实例的数据库不为空：只能恢复到新建的空实例")
    key_path = Path(settings.SIGNING_KEY_PATH)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(pem)
    key_path.chmod(0o600)
    log = urlparse(settings.CHECKPOINT_LOG_URL)
    if "checkpoints.log" in files and log.scheme == "file":
        Path(log.path).write_bytes(files["checkpoints.log"])
    source, dest = target.blob_store(), default_store()
    for sha in body["blobs"]:
        if not dest.exists(sha):
            stored = dest.put(source.open_range(sha))
            if stored.sha256 != sha:
                raise InvalidInput(f"备份中的文件 {sha[:16]}… 已损坏")
    with tempfile.TemporaryDirectory(prefix="liuhen-restore-") as tmp:
        dump = Path(tmp) / f"database.{serializer.FORMAT}"
        dump.write_bytes(gzip.decompress(files[DUMP]))
        serializer.register()
        with transaction.atomic():
            call_command("loaddata", str(dump), verbosity=0)
            ledger.continue_numbering()
    return {"snapshot": chosen, "events": body["events"], "blobs": len(body["blobs"]), "engine": body["engine"]}


def last_backup() -> Event | None:
    """The latest backup's event (what the supervisor sees, rule R13)."""
    return Event.objects.filter(action="archive.backed_up").order_by("-seq").first()
