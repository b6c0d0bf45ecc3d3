"""How a blob's bytes leave the instance once the application has let a person have them (LIUHEN_BLOB_DELIVERY).

The view does everything that matters first — the permission check, and the read registered in the ledger (rule
R9) — and then hands the bytes over to something that is not Python:

- ``app`` (default): the view streams them itself (small instances; byte ranges answered by the view);
- ``presigned`` (S3 storage only): a redirect (302) to a signed URL valid for LIUHEN_PRESIGNED_SECONDS; the
  browser fetches the object, and its byte ranges, from the object store;
- ``accel``: an empty answer whose ``X-Accel-Redirect`` header tells the front web server (nginx) which internal
  location to send; nginx answers byte ranges itself. For a local store the location is the blob's path under the
  store (``/protected/ab/cd/abcd…``, nginx aliases it to the blob folder); for S3 it is a presigned URL laid out
  as ``/protected/https/host/path?query``, which nginx proxies (deploy/nginx/liuhen.conf shows both).

No URL or location is made for a person the view has refused: the caller returns before calling ``offload``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from liuhen.media.storage import BlobStore, LocalBlobStore, S3BlobStore


def offloaded() -> bool:
    return bool(settings.BLOB_DELIVERY != "app")


def accel_location(store: BlobStore, sha256: str, *, content_type: str, disposition: str) -> str:
    prefix = settings.ACCEL_REDIRECT
    if isinstance(store, LocalBlobStore):
        return prefix + str(store.path(sha256).relative_to(store.root))
    if isinstance(store, S3BlobStore):
        url = urlsplit(
            store.presigned_url(
                sha256, seconds=settings.PRESIGNED_SECONDS, content_type=content_type, disposition=disposition
            )
        )
        return f"{prefix}{url.scheme}/{url.netloc}{url.path}?{url.query}"
    raise TypeError(f"no front-server location for {store.url}")


def offload(store: BlobStore, sha256: str, *, content_type: str, filename: str, attachment: bool) -> HttpResponse:
    """The answer that lets the object store or the front web server send the blob (see the module's note)."""
    content_type = content_type or "application/octet-stream"
    disposition = content_disposition_header(attachment, filename) or ""
    if settings.BLOB_DELIVERY == "presigned":
        if not isinstance(store, S3BlobStore):
            raise TypeError("presigned delivery needs S3 storage")
        url = store.presigned_url(
            sha256, seconds=settings.PRESIGNED_SECONDS, content_type=content_type, disposition=disposition
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_location(store, sha256, content_type=content_type, disposition=disposition)
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"  # a later read goes through the check and the ledger again
    return response
