"""Test set-up: a throw-away LIUHEN_HOME, Django on SQLite (default) or on the database in
LIUHEN_DATABASE_URL (scripts/run-tests points it at PostgreSQL), and the people of a small agency."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date

# Settings read the environment once; fix it before Django starts (never touch a real instance).
os.environ.setdefault("LIUHEN_HOME", tempfile.mkdtemp(prefix="liuhen-test-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuhen.settings")

import django

django.setup()

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from liuhen.accounts import services as accounts  # noqa: E402
from liuhen.accounts.models import Role  # noqa: E402
from liuhen.cases import scenarios, services  # noqa: E402
from liuhen.ledger import signing  # noqa: E402

PASSWORD = "test-password-2026"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", default=None, help="save the browser tests' screenshots in this folder")


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]
    return [f"liuhen database: {db['ENGINE'].rsplit('.', 1)[-1]}"]


@pytest.fixture(scope="session", autouse=True)
def _signing_key() -> None:
    signing.create_key(settings.SIGNING_KEY_PATH)


@pytest.fixture(scope="session", autouse=True)
def _jobs_run_when_enqueued() -> None:
    """In-process tests run a queued job at once (Huey's immediate mode); the instance tests use the real consumer
    of `liuhen serve`."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def checkpoint_log_path(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Each test's checkpoints go to an outside log of its own, as its database rows roll back after it."""
    path = tmp_path_factory.mktemp("outside") / "checkpoints.log"
    settings.CHECKPOINT_LOG_URL = f"file://{path}"
    return path


@pytest.fixture(autouse=True)
def _fresh_ledger_numbers(request: pytest.FixtureRequest) -> None:
    """On PostgreSQL the ledger's sequence is outside the transaction each test rolls back: each test numbers its
    events from the log's end, as a fresh database would (a number a test took and lost would otherwise be
    filled with a void event in the next test)."""
    uses_db = "db" in request.fixturenames or request.node.get_closest_marker("django_db") is not None
    if not uses_db or settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1] != "postgresql":
        return
    request.getfixturevalue("db")
    from liuhen.ledger import integrator
    from liuhen.ledger.services import continue_numbering

    integrator._missing_since.clear()
    continue_numbering()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture
def agency(db: None):  # type: ignore[no-untyped-def]
    return accounts.create_agency(actor=None, name="测试区应急管理局", short_name="测应急")


@pytest.fixture
def units(agency):  # type: ignore[no-untyped-def]
    return [
        accounts.create_unit(actor=None, agency=agency, name="执法大队"),
        accounts.create_unit(actor=None, agency=agency, name="危化科"),
        accounts.create_unit(actor=None, agency=agency, name="法规科", is_legal_unit=True),
    ]


def make_user(agency, unit, username, role, cert=None):  # type: ignore[no-untyped-def]
    user = accounts.create_user(
        actor=None, username=username, password=PASSWORD, full_name=username, role=role, agency=agency, unit=unit
    )
    if cert:
        accounts.issue_certificate(
            actor=None, user=user, certificate_no=cert, valid_from=date(2020, 1, 1), valid_to=date(2099, 12, 31)
        )
    return user


@pytest.fixture
def cast(agency, units) -> scenarios.Cast:  # type: ignore[no-untyped-def]
    return scenarios.Cast(
        handler=make_user(agency, units[0], "officer1", Role.OFFICER, "CERT-1"),
        second_officer=make_user(agency, units[0], "officer2", Role.OFFICER, "CERT-2"),
        unit_head=make_user(agency, units[0], "head1", Role.UNIT_HEAD, "CERT-3"),
        legal_reviewer=make_user(agency, units[2], "legal1", Role.LEGAL_REVIEWER),
        leader=make_user(agency, None, "leader1", Role.LEADER),
        archivist=make_user(agency, units[2], "archivist1", Role.ARCHIVIST),
    )


@pytest.fixture
def make_case(cast, units):  # type: ignore[no-untyped-def]
    def make(procedure: str = "general_procedure", **kw):  # type: ignore[no-untyped-def]
        kw.setdefault("cause", "未按规定进行安全生产教育培训")
        kw.setdefault(
            "parties",
            [services.PartyInput(kind="organisation", name="某某化工有限公司", id_number="91320100MA1X2Y3Z4A")],
        )
        kw.setdefault("officers", [cast.handler])
        return services.create_case(actor=cast.handler, unit=units[0], procedure=procedure, **kw)

    return make


@pytest.fixture
def blob_root(tmp_path, settings):  # type: ignore[no-untyped-def]
    """A blob store of the test's own (LIUHEN_STORAGE_URL as a file:// folder)."""
    root = tmp_path / "blobs"
    settings.STORAGE_URL = f"file://{root}"
    return root


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After every test that used the database, each row of each projected table must be what the events' images
    say, and each deadline what the replay of the log makes of it: a command that changes a row without carrying it
    in its event fails the test that ran it (rule R8).
    Tests that change the database behind the application's back on purpose are marked ``tampers``."""
    outcome = yield
    uses_db = "db" in getattr(item, "fixturenames", ()) or item.get_closest_marker("django_db") is not None
    if outcome.excinfo is not None or not uses_db or item.get_closest_marker("tampers"):
        return
    from liuhen.deadlines.replay import Replay
    from liuhen.ledger import rebuild

    deadlines = Replay()  # deadlines too: the table verify replays (derived, not trusted)
    rows = rebuild.rebuilt(deadlines)
    problems = [*rebuild.findings(rows), *deadlines.findings()]
    if problems:
        lines = "\n".join(f"{record}: {problem}" for record, problem in problems)
        outcome.force_exception(AssertionError(f"rows changed without their ledger event:\n{lines}"))


@pytest.fixture
def s3_client():  # type: ignore[no-untyped-def]
    """A real S3 API on a free port (moto's server, over HTTP) and a boto3 client for it; each test makes its own
    buckets."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="liuhen",
        aws_secret_access_key="liuhen-test",
    )
    yield client
    server.stop()
