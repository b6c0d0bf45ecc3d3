"""Content-addressed blob storage: a local folder, or S3 (with Object Lock where the bucket has it).

Rule R8: originals are never modified or overwritten. A blob is named by its SHA-256. Writing hashes while
it writes (one pass over the data, hashing overlapped with the write in a second thread), goes to a temporary
name first, is flushed to disk, and only then takes its final name. Writing the same content twice keeps the
first copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlparse

from liuhen.core.errors import LiuhenError
from liuhen.private import BLOB_MODE, make_dirs

CHUNK = 8 * 1024 * 1024
TEMP_PREFIX = "ingest-"  # root/tmp/ingest-*: a blob being written; see liuhen.media.tempfiles


class BlobMissing(LiuhenError):
    pass


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


class _Hasher:
    """SHA-256 in a second thread, so that hashing one chunk overlaps with writing it (hashlib frees the GIL)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self._thread: threading.Thread | None = None

    def feed(self, chunk: bytes) -> None:
        self.wait()
        self._thread = threading.Thread(target=self.digest.update, args=(chunk,))
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.wait()
        return self.digest.hexdigest()


def read_chunks(stream: BinaryIO, size: int = CHUNK) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


class BlobStore(Protocol):
    url: str

    def put(self, chunks: Iterable[bytes]) -> StoredBlob: ...
    def exists(self, sha256: str) -> bool: ...
    def size(self, sha256: str) -> int: ...
    def open_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def rehash(self, sha256: str) -> str: ...


class LocalBlobStore:
    """``root/ab/cd/abcd…``: two levels of fan-out; files are made read-only once in place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.url = f"file://{self.root}"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        tmp_dir = make_dirs(self.root / "tmp")
        hasher, size = _Hasher(), 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=TEMP_PREFIX)
        # Locked until the file has its final name (or its process dies): a cleaner never takes a file in use.
        fcntl.flock(fd, fcntl.LOCK_EX)
        out = os.fdopen(fd, "wb", buffering=0)
        try:
            for chunk in chunks:
                hasher.feed(chunk)
                view = memoryview(chunk)
                while view:
                    written = out.write(view)
                    view = view[written or 0 :]
                size += len(chunk)
            hasher.wait()
            os.fsync(out.fileno())
            sha = hasher.hexdigest()
            final = self.path(sha)
            if final.exists():  # the same content is already kept: never overwrite it
                os.unlink(tmp_name)
                return StoredBlob(sha, size, created=False)
            make_dirs(final.parent)
            os.chmod(tmp_name, BLOB_MODE)  # read-only, and the service account's alone
            os.link(tmp_name, final)  # fails rather than replace, should another writer have won
            os.unlink(tmp_name)
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            return StoredBlob(sha, size, created=True)
        except FileExistsError:
            os.unlink(tmp_name)
            return StoredBlob(hasher.hexdigest(), size, created=False)
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise
        finally:
            out.close()

    def adopt(self, path: Path, sha256: str) -> StoredBlob:
        """Take a fully written file whose hash is known (a finished upload) into the store without copying."""
        size = path.stat().st_size
        final = self.path(sha256)
        if final.exists():
            path.unlink()
            return StoredBlob(sha256, size, created=False)
        make_dirs(final.parent)
        with path.open("rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(path, BLOB_MODE)
        try:
            os.link(path, final)
        except OSError:  # another file system: copy, hashing on the way, and check the hash
            with path.open("rb") as fh:
                stored = self.put(read_chunks(fh))
            path.unlink()
            if stored.sha256 != sha256:
                raise BlobMissing(f"上传文件的哈希与接收时计算的不符：{sha256}") from None
            return stored
        path.unlink()
        return StoredBlob(sha256, size, created=True)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def size(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobMissing(f"文件 {sha256} 不在存储中") from None

    def open_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end] (inclusive, as in HTTP ranges)."""
        try:
            fh = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(f"文件 {sha256} 不在存储中") from None
        with fh:
            fh.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = fh.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def rehash(self, sha256: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.open_range(sha256):
            digest.update(chunk)
        return digest.hexdigest()


class S3BlobStore:
    """``s3://bucket/prefix``. Uploads under a temporary key while hashing, then copies to the hash's key.

    Where the bucket has Object Lock, each blob gets a retention period in COMPLIANCE mode (no one can
    delete or overwrite it before the date); ``retention_days`` sets it.
    """

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, retention_days: int = 3650) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix.strip("/")
        from botocore.config import Config

        # Signature V4 (presigned URLs too): what AWS, MinIO and Ceph all accept
        self.client = client or boto3.client("s3", config=Config(signature_version="s3v4"))
        self.url = f"s3://{bucket}/{self.prefix}"
        self.retention_days = retention_days
        self._lock: bool | None = None
        # Object Lock buckets want a checksum declared on every write; botocore declares none on CopyObject
        self.client.meta.events.register("before-sign.s3.CopyObject", _declare_checksum)

    def key(self, sha256: str) -> str:
        return "/".join(p for p in (self.prefix, sha256[:2], sha256[2:4], sha256) if p)

    def object_lock(self) -> bool:
        if self._lock is None:
            try:
                conf = self.client.get_object_lock_configuration(Bucket=self.bucket)
                self._lock = conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
            except Exception:
                self._lock = False
        return self._lock

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        import uuid

        hasher, size = _Hasher(), 0
        tmp_key = "/".join(p for p in (self.prefix, "tmp", uuid.uuid4().hex) if p)
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=tmp_key)
        parts, buffer, number = [], bytearray(), 1
        try:
            for chunk in chunks:
                hasher.feed(chunk)
                buffer += chunk
                size += len(chunk)
                if len(buffer) >= 8 * 1024 * 1024:  # S3 parts are at least 5 MiB, but the last
                    r = self.client.upload_part(
                        Bucket=self.bucket,
                        Key=tmp_key,
                        PartNumber=number,
                        UploadId=upload["UploadId"],
                        Body=bytes(buffer),
                    )
                    parts.append({"PartNumber": number, "ETag": r["ETag"]})
                    number, buffer = number + 1, bytearray()
            r = self.client.upload_part(
                Bucket=self.bucket, Key=tmp_key, PartNumber=number, UploadId=upload["UploadId"], Body=bytes(buffer)
            )
            parts.append({"PartNumber": number, "ETag": r["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=tmp_key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=tmp_key, UploadId=upload["UploadId"])
            raise
        sha = hasher.hexdigest()
        created = not self.exists(sha)
        if created:
            extra: dict[str, Any] = {
                "Metadata": {"sha256": sha},
                "MetadataDirective": "REPLACE",
                "ChecksumAlgorithm": "SHA256",
            }  # S3 wants a checksum declared with Object Lock
            if self.object_lock():  # COMPLIANCE: nobody, not even the account's root, deletes it before the date
                extra["ObjectLockMode"] = "COMPLIANCE"
                extra["ObjectLockRetainUntilDate"] = datetime.now(UTC) + timedelta(days=self.retention_days)
            self.client.copy_object(
                Bucket=self.bucket, Key=self.key(sha), CopySource={"Bucket": self.bucket, "Key": tmp_key}, **extra
            )
        self.client.delete_object(Bucket=self.bucket, Key=tmp_key)
        return StoredBlob(sha, size, created=created)

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except Exception:
            return False

    def size(self, sha256: str) -> int:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))["ContentLength"])
        except Exception:
            raise BlobMissing(f"文件 {sha256} 不在存储中") from None

    def open_range(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        rng = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256), Range=rng)["Body"]
        except Exception:
            raise BlobMissing(f"文件 {sha256} 不在存储中") from None
        yield from body.iter_chunks(CHUNK)

    def rehash(self, sha256: str) -> str:
        digest = hashlib.sha256()
        for chunk in self.open_range(sha256):
            digest.update(chunk)
        return digest.hexdigest()

    def presigned_url(self, sha256: str, *, seconds: int, content_type: str, disposition: str) -> str:
        """A GET URL valid for ``seconds`` that the object store answers itself (byte ranges too), with the
        content type and file name the application gives; signed with this instance's credentials."""
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.key(sha256),
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                },
                ExpiresIn=seconds,
            )
        )


def _declare_checksum(request: Any, **_: Any) -> None:
    request.headers["x-amz-sdk-checksum-algorithm"] = "SHA256"


def store_for(url: str, client: Any = None) -> BlobStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(Path(parsed.path))
    if parsed.scheme == "s3":
        return S3BlobStore(parsed.netloc, parsed.path, client=client)
    raise LiuhenError(f"LIUHEN_STORAGE_URL：不支持的存储地址 {url}（应为 file:// 或 s3://）")


def default_store() -> BlobStore:
    from django.conf import settings

    return store_for(settings.STORAGE_URL)
