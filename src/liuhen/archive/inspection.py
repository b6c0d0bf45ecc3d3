"""四性检测 of a case's archival package (rule R14, DA/T 70 归档环节): export the package, check every item, keep the
report (JSON in a ``PackageCheck`` row whose event carries its hash; PDF/A laid out from it), and ledger the
result. It runs by itself when the archivist archives the case (``archive``), where a failure stops the archiving
with the items and their findings, and on demand (``liuhen check-package``)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.archive import bag, four_checks
from liuhen.archive.models import CaseFile, PackageCheck
from liuhen.cases import services as cases
from liuhen.cases.actors import require_agency_member
from liuhen.cases.models import Case
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.rules import rule
from liuhen.core.stages import Stage
from liuhen.documents.rendering import render
from liuhen.ledger import services as ledger


@dataclass(frozen=True)
class Inspected:
    passed: bool
    report: dict[str, Any]
    json_path: Path
    pdf_path: Path
    check: PackageCheck


def record(*, actor: Any, case: Case, folder: Path, report: dict[str, Any], data: bytes) -> PackageCheck:
    case_file = bag.bound_case_file(case)
    user = actor if isinstance(actor, User) else None
    failed = [i["code"] for i in report["items"] if not i["passed"]]
    with transaction.atomic():
        check = PackageCheck.objects.create(
            case_file=case_file,
            volume_sha256=case_file.pdf_sha256,
            passed=bool(report["passed"]),
            failed=" ".join(failed),
            report=data.decode(),
            report_sha256=hashlib.sha256(data).hexdigest(),
            checked_by=user,
            checked_at=timezone.now(),
        )
        ledger.append(
            actor=actor,
            action="archive.checked",
            subject_type="case_file",
            subject_id=case_file.pk,
            case_ref=case.pk,
            at=check.checked_at,
            body={
                "case_no": case.case_no,
                "standard": report["standard"],
                "passed": report["passed"],
                "failed": failed,
                "items": [i["code"] for i in report["items"]],
                "report_sha256": check.report_sha256,
                "package": folder.name,
                "volume_sha256": case_file.pdf_sha256,
            },
            rows=[check],
        )
    return check


def report_pdf(report: dict[str, Any], case: Case) -> bytes:
    items = [
        four_checks.Item(i["code"], i["name"], i["property"], list(i["findings"])) for i in report.get("items", [])
    ]
    html = render_to_string("archive/four_checks.html", {"report": report, "items": items, "case": case})
    return render({"format": "pdf", "html": html}, interactive=False)


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
    pdf_path.write_bytes(report_pdf(report, case))
    check = record(actor=actor, case=case, folder=package, report=report, data=data)
    return Inspected(report["passed"], report, json_path, pdf_path, check)


def latest(case_file: CaseFile) -> PackageCheck | None:
    return case_file.checks.order_by("-checked_at", "-id").first()


def passed_for_volume(case_file: CaseFile) -> bool:
    """The latest check of the case file passed, and it checked the volume as bound now."""
    last = latest(case_file)
    return last is not None and last.passed and last.volume_sha256 == case_file.pdf_sha256


def check_bound(*, actor: Any, case: Case) -> PackageCheck:
    """Run the 四性检测 of the case's package now (in a folder of its own that goes afterwards)."""
    with tempfile.TemporaryDirectory(prefix="liuhen-check-") as tmp:
        return inspect_case(actor=actor, case=case, out=Path(tmp) / "check").check


def refusal(check: PackageCheck) -> RuleViolation:
    failed = [i for i in check.data["items"] if not i["passed"]]
    reasons = "；".join(f"{i['code']} {i['name']}：{'，'.join(i['findings'])}" for i in failed)
    return RuleViolation("R14", rule("R14").source, f"四性检测未通过，不能归档：{reasons}")


def archive(*, actor: User, case: Case) -> Case:
    """rule R14: archiving runs the 四性检测 of the bound 案卷's package first (unless the volume as bound passed
    already); a failed check is kept and ledgered, and stops the archiving with its items and findings."""
    case_file = CaseFile.objects.filter(case=case).first()
    if case_file is not None and case_file.signed and case.stage != Stage.ARCHIVED and not passed_for_volume(case_file):
        require_agency_member(actor, case.agency_id)
        if actor.role != Role.ARCHIVIST:
            raise Forbidden("归档须由档案管理员办理")
        check = check_bound(actor=actor, case=case)
        if not check.passed:
            raise refusal(check)
    return cases.transition(actor=actor, case=case, action="archive")
