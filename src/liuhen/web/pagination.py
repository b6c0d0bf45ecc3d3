"""Page-number pagination with bounds: a page far past the end is an empty page, a page past any real list is
refused with 422 (it would overflow the database's integers), and no page is larger than 200 rows."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1  # the databases' integer ids are 64-bit


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = 50, **kwargs: object) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)
