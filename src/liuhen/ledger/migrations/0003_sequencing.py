"""Sequencing apart from integration: the subtree hashes move from each event to the tree table that the
integrator fills (``ledger_tree``), and on PostgreSQL a sequence numbers the events.

The hashes already stored travel unchanged (the tree of every existing event is copied), so every proof and
checkpoint issued before stays valid. The tree table is append-only like the log (rule R8)."""

from typing import Any

from django.db import migrations, models

from liuhen.ledger.triggers import protect

SEQUENCE = "ledger_event_seq"


def copy_tree(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "INSERT INTO ledger_tree (seq, leaf_hash, subtree_hashes) "
            "SELECT seq, leaf_hash, subtree_hashes FROM ledger_event ORDER BY seq"
        )
        if schema_editor.connection.vendor == "postgresql":
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint MINVALUE 0 START 0")
            cur.execute(f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(seq) + 1 FROM ledger_event), 0), false)")


def drop_sequence(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            cur.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only")]
    operations = [
        migrations.CreateModel(
            name="TreeLeaf",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="序号")),
                ("leaf_hash", models.BinaryField(max_length=32)),
                ("subtree_hashes", models.BinaryField(default=b"")),
            ],
            options={"verbose_name": "默克尔树叶", "verbose_name_plural": "默克尔树叶", "db_table": "ledger_tree"},
        ),
        migrations.RunPython(copy_tree, drop_sequence),
        migrations.RemoveField(model_name="event", name="subtree_hashes"),
        protect("ledger_tree"),
    ]
