"""The `liuhen` command on a real embedded instance: init, demo, token, verify, proofs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.instance.conftest import liuhen

pytestmark = pytest.mark.instance

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_init_is_idempotent_and_keeps_its_keys(demo_home: Path, home_copy: Path) -> None:
    key = (home_copy / "keys" / "ledger.pem").read_bytes()
    assert oct((home_copy / "keys" / "ledger.pem").stat().st_mode & 0o777) == "0o600"
    out = liuhen(home_copy, "init").stdout
    assert "初始密码" not in out and (home_copy / "keys" / "ledger.pem").read_bytes() == key
    assert "此前已载入" in liuhen(home_copy, "demo").stdout


def test_init_generates_an_admin_password_once(tmp_path: Path) -> None:
    out = liuhen(tmp_path / "fresh", "init").stdout
    assert "已创建管理员 admin，初始密码（只显示这一次）" in out


def test_verify_passes_on_the_demo(demo_home: Path) -> None:
    proc = liuhen(demo_home, "verify")
    assert proc.stdout == "" and "校验通过" in proc.stderr


def test_verify_fails_on_a_flipped_byte_and_names_the_case(home_copy: Path) -> None:
    db = sqlite3.connect(home_copy / "liuhen.sqlite3")
    db.execute("DROP TRIGGER ledger_event_no_update")
    seq, body = db.execute("SELECT seq, body FROM ledger_event WHERE action = 'case.created' LIMIT 1").fetchone()
    case_no = json.loads(body)["case_no"]
    db.execute("UPDATE ledger_event SET body = ? WHERE seq = ?", (body.replace("未按", "未安"), seq))
    db.commit()
    db.close()
    proc = liuhen(home_copy, "verify", check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(f"账本事件 #{seq}（案件 {case_no}" in line and "内容与叶哈希不符" in line for line in lines)
    assert any("ledger_event_no_update" in line for line in lines)


def test_token_create(demo_home: Path) -> None:
    token = liuhen(demo_home, "token", "create", "--user", "zhangwei").stdout.strip()
    assert token.startswith("lh_") and len(token) > 40


def test_user_errors_are_one_line_and_exit_2(demo_home: Path) -> None:
    proc = liuhen(demo_home, "token", "create", "--user", "nobody", check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == "错误：用户“nobody”不存在"
    proc = liuhen(demo_home, "ledger", "proof", "999999", check=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_exported_proof_checks_with_the_stdlib_script(demo_home: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "proof.json"
    bundle.write_text(liuhen(demo_home, "ledger", "proof", "20").stdout, encoding="utf-8")
    run = [sys.executable, "-I", str(DOCS / "verify_proof.py"), str(bundle)]
    ok = subprocess.run(run, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: event 20 is in liuhen.local/ledger")
    data = json.loads(bundle.read_text(encoding="utf-8"))
    data["leaf_data"] = data["leaf_data"].replace('"seq":20', '"seq":21')
    bundle.write_text(json.dumps(data), encoding="utf-8")
    bad = subprocess.run(run, capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stdout.startswith("FAIL")


def test_serve_refuses_an_uninitialised_home(tmp_path: Path) -> None:
    proc = liuhen(tmp_path / "empty", "serve", check=False, timeout=60)
    assert proc.returncode == 2 and "liuhen init" in proc.stderr
