"""The simulated people of `bench/load.py` (a Locust file; bench/load.py runs it headless, niced, for a bounded time).

Each simulated person signs in through the login page (a session for the pages) and holds an API token (for the
API), as the demo's people would, and works with think time between clicks (LOAD_THINK_MIN/MAX seconds):

- officers and unit heads (8 in 10): the case list, their own cases through the API, a case page (a registered
  read), a document and its PDF, registering a case, a resumable upload of a short real video (tus), a copy
  request for a party (which the agency head then approves);
- the agency head (1 in 10): the workbench and lists, and approves the copy requests the officers made (each
  approval starts a job that builds the copy package on the job workers);
- the supervisor (1 in 10): the supervision dashboard, findings, and case lists filtered by procedure.

LOAD_DATA names a JSON file bench/load.py wrote: the server's people with their tokens, and the clips to upload.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import random
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gevent.queue import Empty, Queue
from locust import FastHttpUser, between, events, task

DATA: dict[str, Any] = json.loads(Path(os.environ["LOAD_DATA"]).read_text(encoding="utf-8"))
PASSWORD = DATA["password"]
THINK = between(float(os.environ.get("LOAD_THINK_MIN", "1")), float(os.environ.get("LOAD_THINK_MAX", "4")))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OFFICERS = itertools.cycle(DATA["officers"])
CLIPS = itertools.cycle(DATA["clips"])
PENDING_COPIES: Queue[int] = Queue()  # copy requests the officers made, for the agency head to decide
SAMPLES: list[tuple[float, str, float, bool]] = []  # (when, what, ms, ok) of each request once all are started


@events.request.add_listener
def _sample(request_type: str, name: str, response_time: float, exception: Any = None, **_: Any) -> None:
    SAMPLES.append((time.time(), f"{request_type} {name}", response_time, exception is None))


@events.spawning_complete.add_listener
def _measure_from_now(**_: Any) -> None:
    SAMPLES.clear()  # as Locust's --reset-stats: the ramp is not measured


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    if path := os.environ.get("LOAD_SAMPLES"):
        Path(path).write_text(json.dumps(SAMPLES), encoding="utf-8")


class Person(FastHttpUser):
    abstract = True
    wait_time = THINK
    username = ""

    def sign_in(self, username: str) -> None:
        self.username = username
        self.token = DATA["tokens"][username]
        page = self.client.get("/login/", name="/login/")
        m = CSRF.search(page.text or "")
        with self.client.post(
            "/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": m.group(1) if m else ""},
            headers={"Referer": f"{self.host}/login/"},
            name="/login/ (POST)",
            catch_response=True,
        ) as r:
            if "我的工作台" not in (r.text or ""):
                r.failure(f"{username} could not sign in")

    def csrf(self) -> str:
        """The session's CSRF cookie, sent back as the header (as the upload page's script does)."""
        return next((c.value or "" for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def api(self, method: str, path: str, name: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        with self.client.request(method, f"/api/v1{path}", name=name, headers=headers, catch_response=True, **kw) as r:
            if r.status_code >= 400:
                r.failure(f"HTTP {r.status_code}: {(r.text or '')[:200]}")
                return None
            return r.json() if r.text else None

    def page(self, path: str, name: str, must: str = "") -> str:
        with self.client.get(path, name=name, catch_response=True) as r:
            text = r.text or ""
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            elif must and must not in text:
                r.failure(f"the page lacks {must!r}")
            return text


class Officer(Person):
    """An officer or unit head working their own cases."""

    weight = 8

    def on_start(self) -> None:
        self.sign_in(next(OFFICERS))
        self.refresh()

    def refresh(self) -> None:
        mine = self.api("GET", "/cases?mine=true&page_size=50", "/api/v1/cases?mine=true") or {"items": []}
        self.cases = [c["id"] for c in mine["items"]] or [
            c["id"] for c in (self.api("GET", "/cases", "/api/v1/cases") or {"items": []})["items"]
        ]
        docs = self.api("GET", "/documents?latest_only=true", "/api/v1/documents") or {"items": []}
        mine = set(self.cases)  # documents of the person's own cases (others' may be outside their duty)
        self.documents = [d["id"] for d in docs.get("items", []) if d["status"] != "draft" and d["case_id"] in mine]
        self.unit_id = DATA["units"][self.username]

    @task(5)
    def list_cases(self) -> None:
        self.page("/cases/", "/cases/", must="案件")

    @task(3)
    def my_cases(self) -> None:
        self.api("GET", "/cases?mine=true", "/api/v1/cases?mine=true")

    @task(5)
    def read_case(self) -> None:
        if self.cases:
            self.page(f"/cases/{random.choice(self.cases)}/", "/cases/[id]/")

    @task(3)
    def open_document(self) -> None:
        if self.documents:
            self.page(f"/documents/{random.choice(self.documents)}/", "/documents/[id]/")

    @task(1)
    def document_pdf(self) -> None:
        if self.documents:
            with self.client.get(
                f"/documents/{random.choice(self.documents)}/pdf/", name="/documents/[id]/pdf/", catch_response=True
            ) as r:
                if r.status_code != 200 or not (r.content or b"").startswith(b"%PDF"):
                    r.failure(f"HTTP {r.status_code}, not a PDF")

    @task(1)
    def register_case(self) -> None:
        created = self.api(
            "POST",
            "/cases",
            "/api/v1/cases (POST)",
            json={
                "procedure": "inspection",
                "cause": f"日常检查（负载测试 {random.randint(1, 10**6)}）",
                "unit_id": self.unit_id,
                "parties": [
                    {"kind": "organisation", "name": "明山负载测试有限公司", "id_number": "91320100MA1X2Y3Z4A"}
                ],
            },
        )
        if created:
            self.cases.append(created["id"])

    @task(1)
    def upload_clip(self) -> None:
        """A short real video, uploaded with the tus protocol (create, then one PATCH), into one of the cases."""
        if not self.cases:
            return
        clip = Path(next(CLIPS))
        body = clip.read_bytes()
        start = datetime.now() - timedelta(hours=1)

        def b64(text: str) -> str:
            return base64.b64encode(text.encode()).decode()

        meta = ",".join(
            f"{k} {b64(v)}"
            for k, v in {
                "filename": clip.name,
                "case": str(random.choice(self.cases)),
                "recorded_from": start.strftime("%Y-%m-%dT%H:%M"),
                "returned_at": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            }.items()
        )
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": self.csrf()}
        with self.client.post(
            "/uploads/",
            name="/uploads/ (tus create)",
            headers={**tus, "Upload-Length": str(len(body)), "Upload-Metadata": meta},
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"HTTP {r.status_code}: {(r.text or '')[:200]}")
                return
            location = r.headers.get("Location", "")
        with self.client.request(
            "PATCH",
            location,
            name="/uploads/[id] (tus PATCH)",
            data=body,
            headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            catch_response=True,
        ) as r:
            if r.status_code != 204:
                r.failure(f"HTTP {r.status_code}: {(r.text or '')[:200]}")

    @task(1)
    def request_copy(self) -> None:
        if self.cases:
            made = self.api(
                "POST",
                f"/cases/{random.choice(self.cases)}/copy-requests",
                "/api/v1/cases/[id]/copy-requests (POST)",
                json={"requester_kind": "party", "requester_name": "明山负载测试有限公司", "reason": "当事人申请复制"},
            )
            if made:
                PENDING_COPIES.put(made["id"])


class Leader(Person):
    """The agency head: lists, and approves copy requests (each approval queues the package build)."""

    weight = 1

    def on_start(self) -> None:
        self.sign_in(DATA["leader"])

    @task(3)
    def approve_copy(self) -> None:
        try:
            request_id = PENDING_COPIES.get_nowait()
        except Empty:
            self.page("/access-requests/", "/access-requests/")
            return
        self.api(
            "POST",
            f"/copy-requests/{request_id}/decide",
            "/api/v1/copy-requests/[id]/decide (POST)",
            json={"approve": True, "reason": "同意，依本局制度第三十四条"},
        )

    @task(2)
    def workbench(self) -> None:
        self.page("/", "/", must="我的工作台")

    @task(2)
    def list_cases(self) -> None:
        self.page("/cases/", "/cases/", must="案件")


class Supervisor(Person):
    """The supervisor: dashboards, findings and lists across the agency."""

    weight = 1

    def on_start(self) -> None:
        self.sign_in(DATA["supervisor"])

    @task(2)
    def dashboard(self) -> None:
        self.page("/supervision/", "/supervision/")

    @task(1)
    def findings(self) -> None:
        self.page("/supervision/findings/", "/supervision/findings/")

    @task(2)
    def list_cases(self) -> None:
        self.page("/cases/", "/cases/", must="案件")

    @task(2)
    def filtered(self) -> None:
        procedure = random.choice(["general_procedure", "inspection", "simplified_procedure", "compulsion"])
        self.api("GET", f"/cases?procedure={procedure}", "/api/v1/cases?procedure=…")
