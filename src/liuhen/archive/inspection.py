"""四性检测 run on demand for a case (rule R14): export its package, check every item, write the report as JSON
and PDF/A beside it, and ledger the result with the report's hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from liuhen.archive import bag, four_checks
from liuhen.cases.models import Case
from liuhen.core.errors import InvalidInput
from liuhen.documents.rendering import render
from liuhen.ledger import services as ledger


@dataclass(frozen=True)
class Inspected:
    passed: bool
    report: dict[str, Any]
    json_path: Path
    pdf_path: Path


def record(*, actor: Any, case: Case, folder: Path, report: dict[str, Any], report_sha256: str) -> None:
    case_file = bag.bound_case_file(case)
    with transaction.atomic():
        ledger.append(
            actor=actor,
            action="archive.checked",
            subject_type="case_file",
            subject_id=case_file.pk,
            case_ref=case.pk,
            body={
                "case_no": case.case_no,
                "standard": report["standard"],
                "passed": report["passed"],
                "failed": [i["code"] for i in report["items"] if not i["passed"]],
                "items": [i["code"] for i in report["items"]],
                "report_sha256": report_sha256,
                "package": folder.name,
            },
        )


def inspect_case(*, actor: Any, case: Case, out: Path) -> Inspected:
    """Export the case's package to ``out/package`` and check it; the reports go to ``out``."""
    if out.exists() and any(out.iterdir()):
        raise InvalidInput(f"输出目录 {out} 已存在且不为空")
    package = out / "package"
    bag.export(actor=actor, case=case, out=package)
    items = four_checks.check(package)
    report = {"case_no": case.case_no, "checked_at": timezone.now().isoformat(), **four_checks.as_json(items)}
    data = json.dumps(report, ensure_ascii=False, indent=2).encode()
    json_path, pdf_path = out / "四性检测报告.json", out / "四性检测报告.pdf"
    json_path.write_bytes(data)
    html = render_to_string("archive/four_checks.html", {"report": report, "items": items, "case": case})
    pdf_path.write_bytes(render({"format": "pdf", "html": html}, interactive=False))
    record(actor=actor, case=case, folder=package, report=report, report_sha256=hashlib.sha256(data).hexdigest())
    return Inspected(report["passed"], report, json_path, pdf_path)
