"""The backup (rule R13) to S3 (a real S3 server, moto): incremental, with a manifest whose signature a restore
checks before it loads anything, and never over an instance's data."""

from __future__ import annotations

import json

import pytest

from liuhen.archive.backup import backup, last_backup, restore
from liuhen.core.errors import InvalidInput
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file


@pytest.fixture
def s3(s3_client):  # type: ignore[no-untyped-def]
    s3_client.create_bucket(Bucket="archive")
    return s3_client


def test_rule_r13_backup_to_s3_is_incremental_and_signed(cast, blob_root, tmp_path, s3) -> None:  # type: ignore[no-untyped-def]
    rec = ingest_file(actor=cast.handler, path=make_clip(tmp_path / "a.mp4", seconds=1), officer=cast.handler).recording
    url = "s3://archive/liuhen"
    first = backup(url, client=s3)
    assert first.new_blobs >= 1 and first.blobs == first.new_blobs
    key = f"liuhen/blobs/{rec.blob.sha256[:2]}/{rec.blob.sha256[2:4]}/{rec.blob.sha256}"
    assert s3.head_object(Bucket="archive", Key=key)["ContentLength"] == rec.blob.size
    second = backup(url, client=s3)
    assert second.new_blobs == 0 and second.blobs == first.blobs  # only what is new is copied
    assert last_backup() is not None and last_backup().subject_id == second.snapshot  # type: ignore[union-attr]

    with pytest.raises(InvalidInput, match="不为空"):  # checked and signed, but this instance holds data
        restore(url, client=s3)
    manifest_key = f"liuhen/snapshots/{second.snapshot}/manifest.json"
    body = json.loads(s3.get_object(Bucket="archive", Key=manifest_key)["Body"].read())
    body["events"] += 1
    s3.put_object(Bucket="archive", Key=manifest_key, Body=json.dumps(body).encode())
    with pytest.raises(InvalidInput, match="签名无效"):
        restore(url, client=s3)
