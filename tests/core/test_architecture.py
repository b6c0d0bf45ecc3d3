"""Layering rules import-linter cannot express (it checks whole external packages only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.core

SRC = Path(__file__).resolve().parents[2] / "src" / "liuhen"
HTTP_MODULES = ("django.http", "django.shortcuts", "django.views", "django.template", "ninja")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_modules_use_no_http_objects() -> None:
    domain = [p for p in SRC.rglob("*.py") if p.name in {"services.py", "queries.py", "verify.py", "integrity.py"}]
    assert len(domain) >= 5
    for path in domain:
        bad = {m for m in _imports(path) if m.startswith(HTTP_MODULES)}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_no_module_named_utils_and_files_stay_small() -> None:
    for path in SRC.rglob("*.py"):
        assert path.stem != "utils", path
        if "migrations" not in path.parts:
            assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path


def test_every_foreign_key_names_related_name_and_on_delete() -> None:
    for path in SRC.rglob("models.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "ForeignKey":
                kws = {k.arg for k in node.keywords}
                assert {"related_name", "on_delete"} <= kws, f"{path.name}:{node.lineno}"
