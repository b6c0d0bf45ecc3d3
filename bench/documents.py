"""Documents benchmark: laying out and previewing 100 finalised documents through `liuhen serve`.

    python bench/documents.py            # a fresh demo instance; 100 documents
    python bench/documents.py --count 30 # a quick run

A demo instance is made in a temporary folder (its 70-odd finalised documents, topped up to --count with more
调取证据通知书 finalised through the services), and `liuhen serve` started on a free port. Every document's PDF is
then read once over the API: the first read of a finalised document lays it out in the bounded render worker and
keeps it (`liuhen.documents.stored`) — the baseline, measured in the same run. Then every PDF is read again five
times: the previews serve the stored bytes. Each preview is a registered read (R9: a durable ledger append), so
the document's JSON detail, also a registered read without a file, is read beside it as a second baseline. The
serve process's resident memory is read from /proc before and
after (render workers are child processes and end with their render).

The last line: RESULT documents preview_p95_ms=… serve_rss_mb_before=… serve_rss_mb_after=… render_p50_ms=…
ratio_render_over_preview=… detail_p95_ms=… ratio_preview_over_detail=…;
targets: preview p95 under 100 ms, RSS after under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-admin-2026!"
TOP_UP = """
import django; django.setup()
from liuhen.accounts.models import User
from liuhen.cases.models import Case
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.documents import services
from liuhen.documents.models import Document
need = {need}
case = Case.objects.get(procedure="general_procedure", cause__contains="危险化学品储存场所")  # the worked demo case
officers = [co.user for co in case.officers.select_related("user")][:2]
t = BY_CODE["evidence_request"]
for i in range(max(0, need - Document.objects.filter(status="final").count())):
    data = {{"recipient": "明山金属", "evidence_list": f"第{{i + 1}}份：出入库台账", "submit_by": "2026-12-20"}}
    doc = services.create_document(actor=officers[0], case=case, code=t.code, data=data)
    sigs = [services.SignatureRequest("officer", username=o.username) for o in officers]
    sigs.append(services.SignatureRequest("party", name="赵某"))
    services.finalise(actor=officers[0], document=doc, signatures=sigs)
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def liuhen(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "liuhen.cli", *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"liuhen {' '.join(args)}: {out.stdout}{out.stderr}")
    return out.stdout


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get(url: str, token: str) -> tuple[float, bytes]:
    sep = "&" if "?" in url else "?"
    url = f"{url}{sep}purpose={urllib.parse.quote('性能测试')}"  # a purpose, should the role need one (R9)
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=300) as r:
        body = r.read()
    return (time.perf_counter() - start) * 1000, body


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="liuhen-bench-docs-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(LIUHEN_HOME=str(home), DJANGO_SETTINGS_MODULE="liuhen.settings", LIUHEN_RENDER_ON_FINALISE="0")
    log(f"instance in {home}")
    liuhen(env, "init", "--admin-password", PASSWORD)
    liuhen(env, "demo")
    subprocess.run([sys.executable, "-c", TOP_UP.format(need=args.count)], env=env, check=True)
    token = liuhen(env, "token", "create", "--user", "zhouming").strip().splitlines()[-1]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "liuhen.cli", "serve", "--port", str(port)],
        env=env,
        stdout=(home / "serve.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        ids: list[int] = []
        cursor = ""
        while len(ids) < args.count:
            _, body = get(f"{base}/api/v1/documents?status=final&cursor={cursor}", token)
            listed = json.loads(body)
            ids += [d["id"] for d in listed["items"]]
            if not listed["next"]:
                break
            cursor = listed["next"]
        ids = ids[: args.count]
        get(f"{base}/api/v1/documents/{ids[0]}", token)  # warm the process (imports, templates)
        before = rss_mb(serve.pid)
        log(f"{len(ids)} documents; serve RSS {before:.0f} MB")
        renders = []
        for n, doc in enumerate(ids, 1):
            ms, body = get(f"{base}/api/v1/documents/{doc}/pdf", token)
            assert body.startswith(b"%PDF"), doc
            renders.append(ms)
            if n % 10 == 0:
                log(f"  laid out {n}: p50 {statistics.median(renders):.0f} ms, RSS {rss_mb(serve.pid):.0f} MB")
        previews, details = [], []
        for _ in range(5):
            for doc in ids:
                ms, _ = get(f"{base}/api/v1/documents/{doc}/pdf", token)
                previews.append(ms)
                ms, _ = get(f"{base}/api/v1/documents/{doc}", token)  # baseline: a registered read, no file
                details.append(ms)
        after = rss_mb(serve.pid)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    preview_p95 = p95(previews)
    render_p50 = statistics.median(renders)
    print(
        f"RESULT documents preview_p95_ms={preview_p95:.1f} serve_rss_mb_before={before:.0f} "
        f"serve_rss_mb_after={after:.0f} render_p50_ms={render_p50:.0f} "
        f"ratio_render_over_preview={render_p50 / preview_p95:.1f} detail_p95_ms={p95(details):.1f} "
        f"ratio_preview_over_detail={preview_p95 / p95(details):.2f} documents={len(ids)} previews={len(previews)}"
    )


if __name__ == "__main__":
    main()
