"""Jobs of the access app: building an approved copy package (long for cases with hours of video)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from liuhen.access import packages


@db_task()
def build_copy_package(request_id: int) -> None:
    packages.build(request_id)
