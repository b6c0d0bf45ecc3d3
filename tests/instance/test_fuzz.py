"""The JSON API under generated input (schemathesis, from the OpenAPI document): whatever arrives, the answer is
a response the client can act on (2xx, or 4xx with the reason), never a server error, and the ledger stays
whole. Runs against `liuhen serve` on a copy of the demo instance."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.instance.conftest import liuhen

pytestmark = pytest.mark.instance


@pytest.mark.parametrize("user", ["zhouming", "zhangwei"])  # a leader (agency scope) and an officer (own/unit)
def test_generated_requests_never_get_a_server_error(server: str, home_copy: Path, user: str) -> None:
    token = liuhen(home_copy, "token", "create", "--user", user).stdout.strip()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "10",
            "--phases",
            "examples,coverage,fuzzing",
            "--exclude-method",
            "DELETE",  # revoking the probe's own token would end the run; revocation has its own tests
            "--seed",
            "20261123",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=home_copy.parent,  # its own state folder lands beside the instance, not in the checkout
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert " 500 " not in (home_copy / "serve.log").read_text()
    assert liuhen(home_copy, "verify").returncode == 0
