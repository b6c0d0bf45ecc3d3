"""Append-only protection at the database level (rule R8): UPDATE and DELETE are refused.

One definition serves both engines; migrations call ``protect`` for each recorded table, and
``liuhen verify`` calls ``missing`` to report a table whose trigger was dropped.
"""

from __future__ import annotations

from typing import Any

MESSAGE = "R8: append-only table"


def _names(table: str) -> tuple[str, str]:
    return f"{table}_no_update", f"{table}_no_delete"


def statements(vendor: str, table: str) -> list[str]:
    upd, dele = _names(table)
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {upd} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {dele} BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table}'); END",
        ]
    if vendor == "postgresql":
        fn = "liuhen_refuse_change"
        return [
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_TABLE_NAME, "
            f"ERRCODE = 'integrity_constraint_violation'; "
            f"END $$",
            f"DROP TRIGGER IF EXISTS {upd} ON {table}",
            f"CREATE TRIGGER {upd} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()",
            f"DROP TRIGGER IF EXISTS {dele} ON {table}",
            f"CREATE TRIGGER {dele} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()",
            # TRUNCATE skips row triggers; refuse it too
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        ]
    raise RuntimeError(f"no append-only triggers for database engine {vendor}")


def final_statements(vendor: str, table: str, column: str, value: str) -> list[str]:
    """Refuse UPDATE and DELETE of rows whose ``column`` is ``value`` (a finalised record); drafts stay open."""
    upd, dele = _names(table)
    cond = f"OLD.{column} = '{value}'"
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {upd} BEFORE UPDATE ON {table} WHEN {cond} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table} (finalised)'); END",
            f"CREATE TRIGGER IF NOT EXISTS {dele} BEFORE DELETE ON {table} WHEN {cond} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {table} (finalised)'); END",
        ]
    if vendor == "postgresql":
        fn = "liuhen_refuse_change"
        return [
            statements(vendor, table)[0],  # the shared function
            f"DROP TRIGGER IF EXISTS {upd} ON {table}",
            f"CREATE TRIGGER {upd} BEFORE UPDATE ON {table} FOR EACH ROW WHEN ({cond}) EXECUTE FUNCTION {fn}()",
            f"DROP TRIGGER IF EXISTS {dele} ON {table}",
            f"CREATE TRIGGER {dele} BEFORE DELETE ON {table} FOR EACH ROW WHEN ({cond}) EXECUTE FUNCTION {fn}()",
        ]
    raise RuntimeError(f"no triggers for database engine {vendor}")


def protect_final(table: str, column: str, value: str) -> Any:
    """A migration operation: rows marked final are append-only, drafts are not."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        for sql in final_statements(schema_editor.connection.vendor, table, column, value):
            schema_editor.execute(sql)

    def backward(apps: Any, schema_editor: Any) -> None:
        for sql in drop_statements(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)

    return migrations.RunPython(forward, backward, elidable=False)


def drop_statements(vendor: str, table: str) -> list[str]:
    names = [*_names(table), f"{table}_no_truncate"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {n}" for n in names[:2]]
    return [f"DROP TRIGGER IF EXISTS {n} ON {table}" for n in names]


def protect(*tables: str) -> Any:
    """A migration operation that installs the triggers on ``tables`` for the database in use."""
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            for sql in statements(schema_editor.connection.vendor, table):
                schema_editor.execute(sql)

    def backward(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            for sql in drop_statements(schema_editor.connection.vendor, table):
                schema_editor.execute(sql)

    return migrations.RunPython(forward, backward, elidable=False)


def fill_salts(app_label: str, model_name: str) -> Any:
    """A migration operation: give every existing row its own random commitment key (``ledger_salt``).

    Adding the column gave all rows one default; the triggers of an append-only table are lifted for this one
    update and put back (a table rebuilt by SQLite's ALTER lost them anyway)."""
    import secrets

    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        from liuhen.ledger.projection import append_only_tables

        model = apps.get_model(app_label, model_name)
        table, vendor = model._meta.db_table, schema_editor.connection.vendor
        protected = dict(append_only_tables())
        if table in protected:
            for sql in drop_statements(vendor, table):
                schema_editor.execute(sql)
        for pk in list(model._default_manager.values_list("pk", flat=True)):
            model._default_manager.filter(pk=pk).update(ledger_salt=secrets.token_hex(16))
        if table in protected:
            cond = protected[table]
            sqls = final_statements(vendor, table, *cond) if cond else statements(vendor, table)
            for sql in sqls:
                schema_editor.execute(sql)

    return migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)


def missing(connection: Any, tables: list[str]) -> list[str]:
    """Names of the expected triggers that are not installed."""
    expected = {name for t in tables for name in _names(t)}
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cur.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        present = {row[0] for row in cur.fetchall()}
    return sorted(expected - present)


def append_only_tables() -> list[str]:
    """Every table the models declare append-only (``LEDGER``); `liuhen verify` reports any whose triggers are
    missing, and a test checks that the migrations install exactly these."""
    from liuhen.ledger.projection import append_only_tables as declared

    return [table for table, _ in declared()]
