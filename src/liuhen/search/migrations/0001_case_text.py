"""The case search table, its PostgreSQL tsvector column and GIN index, or its SQLite FTS5 index and triggers."""

from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models

PG_FORWARD = [
    "ALTER TABLE search_casetext ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('simple', head), 'A') || setweight(to_tsvector('simple', body), 'C')) STORED",
    "CREATE INDEX search_casetext_tsv ON search_casetext USING gin (tsv)",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_casetext_fts USING fts5("
    "head, body, content='search_casetext', content_rowid='case_id', tokenize='unicode61')",
    "CREATE TRIGGER search_casetext_ai AFTER INSERT ON search_casetext BEGIN "
    "INSERT INTO search_casetext_fts(rowid, head, body) VALUES (new.case_id, new.head, new.body); END",
    "CREATE TRIGGER search_casetext_ad AFTER DELETE ON search_casetext BEGIN "
    "INSERT INTO search_casetext_fts(search_casetext_fts, rowid, head, body) "
    "VALUES ('delete', old.case_id, old.head, old.body); END",
    "CREATE TRIGGER search_casetext_au AFTER UPDATE ON search_casetext BEGIN "
    "INSERT INTO search_casetext_fts(search_casetext_fts, rowid, head, body) "
    "VALUES ('delete', old.case_id, old.head, old.body); "
    "INSERT INTO search_casetext_fts(rowid, head, body) VALUES (new.case_id, new.head, new.body); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_casetext_ai",
    "DROP TRIGGER IF EXISTS search_casetext_ad",
    "DROP TRIGGER IF EXISTS search_casetext_au",
    "DROP TABLE IF EXISTS search_casetext_fts",
]


def forward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for sql in PG_FORWARD if vendor == "postgresql" else SQLITE_FORWARD if vendor == "sqlite" else []:
        schema_editor.execute(sql)
    from liuhen.search.index import reindex_all

    reindex_all(apps)  # cases registered before this table existed


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0009_ledger_rebuild_salts"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseText",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="cases.case",
                        verbose_name="案件",
                    ),
                ),
                ("head", models.TextField(verbose_name="案号、当事人、案由的词")),
                ("body", models.TextField(blank=True, verbose_name="简要案情的词")),
                (
                    "agency",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.agency",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.unit",
                    ),
                ),
            ],
            options={"verbose_name": "案件检索词", "verbose_name_plural": "案件检索词"},
        ),
        migrations.AddIndex(model_name="casetext", index=models.Index(fields=["agency"], name="search_text_agency")),
        migrations.AddIndex(model_name="casetext", index=models.Index(fields=["unit"], name="search_text_unit")),
        migrations.RunPython(forward, backward),
    ]
