"""Bounds of the API's lists: no page is larger than 200 rows, and numbers past what the databases' integers
hold are refused with 422 (lists page by cursor: see ``liuhen.cases.listing``)."""

from __future__ import annotations

MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1  # the databases' integer ids are 64-bit
