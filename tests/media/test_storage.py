"""The blob stores (rule R8): a local content-addressed folder, and S3 against a real S3 server (moto)."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from liuhen.media.storage import LocalBlobStore, S3BlobStore

pytestmark = pytest.mark.core

DATA = os.urandom(3 * 1024 * 1024 + 17)


def chunks(data: bytes, size: int = 1 << 20) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_local_store_names_by_hash_and_never_overwrites(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    first = store.put(chunks(DATA))
    assert first.sha256 == hashlib.sha256(DATA).hexdigest() and first.size == len(DATA) and first.created
    path = store.path(first.sha256)
    assert path.stat().st_mode & 0o222 == 0  # read-only once in place
    assert not store.put(chunks(DATA, 777)).created  # the same content again: the first copy stays
    assert b"".join(store.open_range(first.sha256, 10, 19)) == DATA[10:20]
    assert store.rehash(first.sha256) == first.sha256
    assert not list((tmp_path / "tmp").iterdir())  # nothing left half-written


def test_local_store_leaves_nothing_when_the_source_fails(tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield b"x" * 1000
        raise OSError("the dock was unplugged")

    with pytest.raises(OSError):
        LocalBlobStore(tmp_path).put(broken())
    assert not list((tmp_path / "tmp").iterdir())


@pytest.fixture
def s3(s3_client):  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="evidence", ObjectLockEnabledForBucket=True)
    s3_client.create_bucket(Bucket="plain")
    return s3_client


def test_s3_store_with_object_lock(s3) -> None:  # type: ignore[no-untyped-def]
    store = S3BlobStore("evidence", "liuhen", client=s3, retention_days=30)
    blob = store.put(chunks(DATA))
    assert blob.sha256 == hashlib.sha256(DATA).hexdigest() and blob.created
    assert store.exists(blob.sha256) and store.size(blob.sha256) == len(DATA)
    assert b"".join(store.open_range(blob.sha256, 5, 9)) == DATA[5:10]
    assert store.rehash(blob.sha256) == blob.sha256
    head = s3.head_object(Bucket="evidence", Key=store.key(blob.sha256))
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"] > datetime.now(UTC)
    assert head["Metadata"]["sha256"] == blob.sha256
    version = head["VersionId"]
    with pytest.raises(Exception, match=r"AccessDenied|locked|retention"):  # the store itself refuses deletion
        s3.delete_object(Bucket="evidence", Key=store.key(blob.sha256), VersionId=version)
    assert not store.put(chunks(DATA)).created
    leftovers = s3.list_objects_v2(Bucket="evidence", Prefix="liuhen/tmp/").get("KeyCount", 0)
    assert leftovers == 0


def test_s3_store_without_object_lock(s3) -> None:  # type: ignore[no-untyped-def]
    store = S3BlobStore("plain", "", client=s3)
    blob = store.put([b"short file"])
    assert store.rehash(blob.sha256) == hashlib.sha256(b"short file").hexdigest()
    assert not store.object_lock()
