"""The 案卷 of a case, made the way people make it (used by the demo and the tests through ``scenarios``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liuhen.archive import inspection, services
from liuhen.archive.models import CaseFile

if TYPE_CHECKING:
    from liuhen.cases.models import Case
    from liuhen.cases.scenarios import Cast


def bind(case: Case, cast: Cast) -> CaseFile:
    """The archivist assembles and signs as 立卷人; the head of the handling unit checks and signs; the package
    passes the 四性检测 that archiving runs (rule R14)."""
    case_file = services.assemble(actor=cast.archivist, case=case)
    case_file = services.sign(actor=cast.archivist, case_file=case_file, role=services.COMPILER)
    case_file = services.sign(actor=cast.unit_head, case_file=case_file, role=services.CHECKER)
    check = inspection.check_bound(actor=cast.archivist, case=case)
    if not check.passed:
        raise inspection.refusal(check)
    return case_file
