"""PostgreSQL: the words under GIN indexes together with the unit and with the agency (btree_gin), so a search
within a unit's or an agency's cases is answered in the index instead of intersecting all matches with the scope."""

from __future__ import annotations

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS search_casetext_unit_tsv ON search_casetext USING gin (unit_id, tsv)",
    "CREATE INDEX IF NOT EXISTS search_casetext_agency_tsv ON search_casetext USING gin (agency_id, tsv)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS search_casetext_unit_tsv",
    "DROP INDEX IF EXISTS search_casetext_agency_tsv",
]


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_case_text")]

    operations = [migrations.RunPython(forward, backward)]
