"""On a real demo instance: the package of an archived case checked with the database gone (rule R14), and a
backup restored into fresh homes on SQLite and PostgreSQL that `liuhen verify` passes (rule R13)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import bagit
import pytest

from tests.instance.conftest import liuhen

pytestmark = pytest.mark.instance

PG = "postgresql://postgres@127.0.0.1:5432"


def _on_pg(url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home), LIUHEN_DATABASE_URL=url)
    proc = subprocess.run(
        [sys.executable, "-m", "liuhen.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"liuhen {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _pg_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def test_rules_r13_r14_export_with_no_database_and_backup_restore_on_sqlite_and_postgresql(
    home_copy: Path, tmp_path: Path
) -> None:
    with sqlite3.connect(home_copy / "liuhen.sqlite3") as db:
        (case_no,) = db.execute(
            "SELECT case_no FROM cases_case WHERE stage = 'archived' ORDER BY id LIMIT 1"
        ).fetchone()
    bag_dir = tmp_path / "bag"
    liuhen(home_copy, "export", case_no, "--out", str(bag_dir))
    bagit.Bag(str(bag_dir)).validate()

    backup = f"file://{tmp_path / 'backup'}"
    first = liuhen(home_copy, "backup", "--to", backup).stdout
    assert "新增" in first

    (home_copy / "liuhen.sqlite3").unlink()  # the package needs no database
    checked = liuhen(home_copy, "verify-bag", str(bag_dir))
    assert checked.stdout.startswith("OK")

    # restore onto PostgreSQL, verify, back up again from there (only new files are copied), restore onto SQLite
    pg_home = tmp_path / "pg-home"
    url = _pg_database(f"liuhen_restore_{os.getpid()}")
    restored = _on_pg(url, pg_home, "restore", "--from", backup)
    assert "来自 sqlite" in restored.stdout
    _on_pg(url, pg_home, "verify")
    again = _on_pg(url, pg_home, "backup", "--to", backup).stdout
    assert "新增 0 个" in again.replace("\n", "")
    sqlite_home = tmp_path / "sqlite-home"
    restored = liuhen(sqlite_home, "restore", "--from", backup)
    assert "来自 postgresql" in restored.stdout
    assert liuhen(sqlite_home, "verify").returncode == 0
    refused = liuhen(sqlite_home, "restore", "--from", backup, check=False)  # never over an instance's data
    assert refused.returncode == 2 and "不为空" in refused.stderr
    shutil.rmtree(bag_dir)
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "liuhen_restore_{os.getpid()}" WITH (FORCE)')
