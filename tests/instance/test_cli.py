"""The `liuhen` command on a real embedded instance: init, demo, token, verify, proofs."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from liuhen.deadlines import migrations as deadlines_migrations
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


def test_no_event_of_the_demo_holds_an_id_number_or_a_phone(demo_home: Path) -> None:
    """rules R8, P9: personal data enters the ledger only as salted commitments (HMAC-SHA256 keyed by the row's
    own random salt): no ID number, phone number or address in clear, nor a bare SHA-256 of one."""
    db = sqlite3.connect(demo_home / "liuhen.sqlite3")
    bodies = "\n".join(row[0] for row in db.execute("SELECT body FROM ledger_event"))
    people = db.execute("SELECT id_number, phone, address FROM cases_party").fetchall()
    db.close()
    values = {v for row in people for v in row if v}
    assert len(values) > 20 and any(len(v) == 18 and v[:6].isdigit() for v in values)  # natural persons' IDs
    assert any(len(v) == 11 and v.startswith("139") for v in values)  # and their phones
    for value in values:
        assert value not in bodies and hashlib.sha256(value.encode()).hexdigest() not in bodies, value
    assert "hmac-sha256:" in bodies


def test_token_create(demo_home: Path) -> None:
    token = liuhen(demo_home, "token", "create", "--user", "zhangwei").stdout.strip()
    assert token.startswith("lh_") and len(token) > 40


def test_token_revoke(home_copy: Path) -> None:
    token = liuhen(home_copy, "token", "create", "--user", "zhangwei").stdout.strip()
    proc = liuhen(home_copy, "token", "revoke", "--user", "zhangwei", "--prefix", "lh_nothing", check=False)
    assert proc.returncode == 2 and "没有以 lh_nothing 开头的有效令牌" in proc.stderr
    assert liuhen(home_copy, "token", "revoke", "--user", "zhangwei", "--prefix", token[:10]).stdout.strip() == (
        "已吊销 1 个令牌"
    )
    liuhen(home_copy, "token", "revoke", "--user", "zhangwei")  # every live token, whoever made it
    assert liuhen(home_copy, "token", "revoke", "--user", "zhangwei").stdout.strip() == "已吊销 0 个令牌"


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


def test_serve_refuses_a_database_older_than_the_code_and_init_upgrades_it(home_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home_copy), DJANGO_SETTINGS_MODULE="liuhen.settings")
    # as the release before the newest migration of the deadlines left it (an older step may be irreversible
    # once the data uses it: an agency's own deadlines have no case)
    *_, before, newest = sorted(p.stem for p in Path(deadlines_migrations.__file__).parent.glob("0*.py"))
    back = [sys.executable, "-m", "django", "migrate", "deadlines", before, "--verbosity", "0"]
    subprocess.run(back, env=env, check=True, capture_output=True, timeout=120)
    proc = liuhen(home_copy, "serve", "--port", "1", check=False)
    assert proc.returncode == 2 and f"数据库结构需要升级（deadlines.{newest}" in proc.stderr
    assert "请先运行 liuhen init" in proc.stderr
    liuhen(home_copy, "init")  # applies what is missing, touches nothing else
    assert liuhen(home_copy, "verify").returncode == 0


def test_serve_refuses_an_uninitialised_home(tmp_path: Path) -> None:
    proc = liuhen(tmp_path / "empty", "serve", check=False, timeout=60)
    assert proc.returncode == 2 and "liuhen init" in proc.stderr


def test_deadline_command_on_the_official_calendar(demo_home: Path) -> None:
    # the acceptance example: 9.28 + 7 working days across National Day and its 调休 Saturday
    assert liuhen(demo_home, "deadline", "2026-09-28", "--workdays", "7").stdout.strip() == "2026-10-13"
    assert liuhen(demo_home, "deadline", "2026-09-05", "--days", "30").stdout.strip() == "2026-10-08"
    assert liuhen(demo_home, "deadline", "2026-09-30T18:00", "--hours", "24").stdout.strip() == "2026-10-01T18:00+08:00"
    unknown = liuhen(demo_home, "deadline", "2026-12-28", "--workdays", "7", check=False)
    assert unknown.returncode == 2 and "2027" in unknown.stderr and unknown.stdout == ""
    bad = liuhen(demo_home, "deadline", "2026-09-28", "--workdays", "7", "--days", "3", check=False)
    assert bad.returncode == 2


def test_calendar_import_then_show_and_compute(home_copy: Path, tmp_path: Path) -> None:
    schedule = tmp_path / "2027.csv"
    schedule.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,holiday,测试\n", encoding="utf-8")
    refused = liuhen(home_copy, "calendar", "import", str(schedule), check=False)
    assert refused.returncode == 2 and "依据" in refused.stderr  # a schedule needs its source
    liuhen(home_copy, "calendar", "import", str(schedule), "--source", "国办发明电（测试）")
    assert liuhen(home_copy, "deadline", "2026-12-28", "--workdays", "7").stdout.strip() == "2027-01-08"
    shown = liuhen(home_copy, "calendar", "show", "2027").stdout
    assert "2027-01-04" in shown and "国办发明电（测试）" in shown
    assert (
        "国庆节" in liuhen(home_copy, "calendar", "show", "2026").stdout
        or "National Day" in liuhen(home_copy, "calendar", "show", "2026").stdout
    )
    assert liuhen(home_copy, "verify").returncode == 0  # the import is in the ledger


def test_rules_export_writes_the_generated_table(demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    liuhen(demo_home, "rules", "export", "--out", str(target))
    text = target.read_text(encoding="utf-8")
    assert text == (DOCS / "rules.md").read_text(encoding="utf-8")
    assert "| D7 | D7 |" in text and "处罚法60" in text


def test_demo_has_an_overdue_deadline_and_scan_reports_it(demo_home: Path) -> None:
    out = liuhen(demo_home, "deadlines", "scan").stdout
    assert "已逾期 1 项" in out


CHAIN = [
    "立案审批表",
    "现场检查笔录",
    "询问笔录",
    "证据登记保存清单",
    "先行登记保存证据处理决定书",  # rule I3: the decision on what was preserved
    "案件调查报告（处理呈批）",
    "行政处罚告知书",
    "陈述申辩笔录（含复核意见）",
    "法制审核意见书",
    "集体讨论记录",
    "行政处罚决定书",
    "送达回证",
]


def test_demo_holds_a_penalty_case_with_its_whole_chain_of_documents(
    demo_home: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = sqlite3.connect(demo_home / "liuhen.sqlite3")
    case_no, party = db.execute(
        "SELECT c.case_no, p.name FROM cases_case c JOIN cases_party p ON p.case_id = c.id "
        "WHERE c.cause = '未按规定对危险化学品储存场所设置安全警示标志'"
    ).fetchone()
    rows = db.execute(
        "SELECT d.id, d.doc_type, d.status FROM documents_document d JOIN cases_case c "
        "ON c.id = d.case_id WHERE c.case_no = ? ORDER BY d.id",
        (case_no,),
    ).fetchall()
    db.close()
    listing = liuhen(demo_home, "documents", "list", case_no).stdout
    for name in CHAIN:
        assert name in listing, name
    assert {status for _, _, status in rows} == {"final"} and len(rows) == len(CHAIN)
    ids = {code: pk for pk, code, _ in rows}
    for code, title in (
        ("penalty_decision", "行政处罚决定书"),
        ("delivery_receipt", "送达回证"),
        ("filing_approval", "立案审批表"),
    ):
        pdf = tmp_path / f"{code}.pdf"
        liuhen(demo_home, "documents", "render", str(ids[code]), "--out", str(pdf))
        text = "".join(
            subprocess.run(
                ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        assert title in text and party in text
        assert (case_no in text) == (code == "filing_approval")  # the case number stays on internal forms
        if code == "penalty_decision":  # rule D6: the 复议机关 and the court the demo agency's settings name
            assert (
                "明应急罚决〔" in text
                and "六十日内依法向明山区人民政府申请行政复议" in text
                and "六个月内依法向明山区人民法院提起行政诉讼" in text
            )
    folder = request.config.getoption("--screenshots")
    if folder:
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                str(tmp_path / "penalty_decision.pdf"),
                str(Path(folder) / "penalty-decision-pdf"),
            ],
            check=True,
        )
    bad = liuhen(
        demo_home, "documents", "render", str(ids["penalty_decision"]), "--out", str(tmp_path / "x.txt"), check=False
    )
    assert bad.returncode == 2


def test_settings_show_and_set(home_copy: Path) -> None:
    """rule R10: the demo agency follows its own regulation 002 (the agency head approves a party's copy); rule D7:
    a change needs the administrator and a reason; a value out of range is one line and exit 2."""
    shown = liuhen(home_copy, "settings", "show").stdout
    assert "R10.copy_approver\t当事人申请复制记录的审批人：机关负责人（徐丽 设置" in shown
    assert (
        "依据：002 第三十四条" in shown
        and "D7\t一般程序自立案起作出处罚决定的期限：90日（默认；依据：处罚法60" in shown
    )
    proc = liuhen(home_copy, "settings", "set", "D7", "0", "--reason", "依本局规定", "--by", "xuli", check=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "超出范围" in proc.stderr
    proc = liuhen(home_copy, "settings", "set", "D7", "60", "--reason", "依本局规定", "--by", "zhangwei", check=False)
    assert proc.returncode == 2 and "系统管理员" in proc.stderr
    assert "60日" in liuhen(home_copy, "settings", "set", "D7", "60", "--reason", "依本局规定", "--by", "xuli").stdout
    assert "依本局规定" in liuhen(home_copy, "settings", "show", "--agency", "明应急", "--history").stdout
    assert "校验通过" in liuhen(home_copy, "verify").stderr
