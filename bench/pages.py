"""Page speed benchmark: every main page of the demo, as each role, through `liuhen serve`.

    python bench/pages.py            # each page 50 times
    python bench/pages.py --n 10     # a quick run

A demo instance (SQLite) is created in a temporary folder and served by `liuhen serve` on a free port of the
loopback interface. Each demo role signs in and opens its main pages (workbench, case list, deadlines, 调阅,
a case page and each of its tabs (文书, 音像, 期限, 审批, 时间线, 复制与保密, 调阅记录), a document; the
administrator its settings and devices) ``n`` times each. The server time and query count of each response come
from its ``Server-Timing`` header (liuhen.web.middleware); the baseline measured in the same run is the login
page (no session, no query): the ratio says how many login pages the slowest page costs. Targets: every page
under 300 ms server time (p95), the case page (each of its tabs) under 25 queries.

The last line: RESULT pages p95_ms_max=… slowest=… queries_max=… case_page_queries=… baseline_p95_ms=…
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PASSWORD = "liuhen-demo-2026"
ROLES = ["zhangwei", "chenjie", "sunli", "zhouming", "wufang", "zhengkai", "xuli"]
OUTSIDE_DUTY = {"sunli": "法制审核", "zhengkai": "执法监督检查"}
TIMING = re.compile(r'app;dur=([\d.]+), db;desc="queries=(\d+)"')


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["LIUHEN_HOME"] = str(home)
    return env


class Browser:
    """A signed-in session: cookies kept, the CSRF token sent with the login form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, float, int]:
        try:
            response = self.opener.open(self.base + path, timeout=60)
            status, body, headers = response.status, response.read().decode("utf-8", "replace"), response.headers
        except urllib.error.HTTPError as exc:
            status, body, headers = exc.code, exc.read().decode("utf-8", "replace"), exc.headers
        m = TIMING.search(headers.get("Server-Timing", ""))
        return status, body, float(m.group(1)) if m else -1.0, int(m.group(2)) if m else -1

    def login(self, username: str) -> None:
        _, body, _, _ = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1) if token else ""}
        ).encode()
        request = urllib.request.Request(self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"})
        body = self.opener.open(request, timeout=60).read().decode("utf-8", "replace")
        if "我的工作台" not in body:
            raise SystemExit(f"{username} could not sign in")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="times each page is opened (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "liuhen-data"
        env = env_for(home)
        for cmd in (["init", "--admin-password", "Bench-admin-2026!"], ["demo"]):
            subprocess.run([sys.executable, "-m", "liuhen.cli", *cmd], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "liuhen.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            run(base, args.n, env)
        finally:
            server.terminate()
            server.wait(timeout=30)


def demo_ids(env: dict[str, str]) -> tuple[int, int]:
    """The demo's fully worked case (危险化学品储存场所, in 执行, with recordings) and its 行政处罚决定书."""
    code = (
        "import django;django.setup();from liuhen.cases.models import Case;"
        "c=Case.objects.get(procedure='general_procedure', cause__contains='危险化学品储存场所');"
        "print(c.pk, c.documents.filter(doc_type='penalty_decision').values_list('pk', flat=True).first())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "liuhen.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def run(base: str, n: int, env: dict[str, str]) -> None:
    case_id, doc_id = demo_ids(env)
    tabs = ["", "documents/", "media/", "deadlines/", "approvals/", "timeline/", "copies/", "access-history/"]
    case_pages = [f"/cases/{case_id}/{tab}" for tab in tabs] + [f"/documents/{doc_id}/"]
    common = ["/", "/cases/", "/deadlines/", "/access-requests/"]
    baseline = Browser(base)
    for _ in range(5):  # the server's first requests load templates and code: not what a user waits for
        baseline.get("/login/")
    base_times = [baseline.get("/login/")[2] for _ in range(n)]
    results: list[tuple[str, str, float, int]] = []
    for user in ROLES:
        browser = Browser(base)
        browser.login(user)
        pages = ["/", "/settings/", "/devices/"] if user == "xuli" else common + case_pages
        if user in OUTSIDE_DUTY:  # reading outside one's duty states a purpose (R9); the session keeps it
            browser.get(f"/cases/{case_id}/?purpose={urllib.parse.quote(OUTSIDE_DUTY[user])}")
        for path in pages:
            status, _, _, _ = browser.get(path)
            if status != 200:  # a page this role may not open (the archivist and a marked record, say)
                log(f"{user:9} {path:40} HTTP {status}, skipped")
                continue
            times, queries = [], []
            for _ in range(n):
                _, _, ms, q = browser.get(path)
                times.append(ms)
                queries.append(q)
            results.append((user, path, p95(times), max(queries)))
            log(f"{user:9} {path:40} p95 {p95(times):7.1f} ms  queries {max(queries):3}")
    slowest = max(results, key=lambda r: r[2])
    case_queries = max(q for u, p, _, q in results if p.startswith(f"/cases/{case_id}/"))  # the worst tab
    baseline_p95 = p95(base_times)
    print(
        f"RESULT pages p95_ms_max={slowest[2]:.1f} slowest={slowest[0]}:{slowest[1]} "
        f"queries_max={max(r[3] for r in results)} case_page_queries={case_queries} "
        f"baseline_p95_ms={baseline_p95:.1f} ratio={slowest[2] / max(baseline_p95, 0.1):.1f}"
    )


if __name__ == "__main__":
    main()
