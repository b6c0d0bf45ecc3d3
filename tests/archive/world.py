"""The archive's part of the tamper suite's world: a signed 案卷 with its 四性检测, a legal hold, an approved
disposal of a recording, an officer's R4 mark, and a whole 案卷 disposed after its term, each made through the
commands (rules R4–R6, R14)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.utils import timezone

from liuhen.archive import file_disposal, inspection, retention, services
from liuhen.cases import scenarios
from liuhen.core import stages
from liuhen.media.samples import make_clip
from liuhen.media.services import ingest_file


def archive(cast: Any, make_case: Any, tmp_path: Path) -> dict[str, Any]:
    case = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)  # R2: an end path
    rec = ingest_file(
        actor=cast.handler, path=make_clip(tmp_path / "archive.mp4", seconds=1, tone=900), case=case
    ).recording
    case_file = services.assemble(actor=cast.archivist, case=case, remarks="本卷无缺损")
    services.sign(actor=cast.archivist, case_file=case_file, role=services.COMPILER)
    case_file = services.sign(actor=cast.unit_head, case_file=case_file, role=services.CHECKER)
    check = inspection.check_bound(actor=cast.archivist, case=case)
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=True):  # past the R5 six months
        disposal = retention.propose_disposal(actor=cast.archivist, recording=rec, appraisal="非证据，已过保存期")
        disposal = retention.decide_disposal(actor=cast.leader, disposal=disposal, approve=True, opinion="同意销毁")
    mark = retention.mark_long_term(actor=cast.handler, case=case, ground="mass_incident", note="现场聚集多人")
    hold = retention.place_hold(actor=cast.legal_reviewer, case=case, kind="complaint", reason="当事人投诉")

    # a whole 案卷 of 10 years, archived, then disposed of after its term (R6)
    other = scenarios.advance(make_case("complaint"), stages.Stage.NOT_FILED, cast)
    other_file = services.assemble(actor=cast.archivist, case=other)
    services.change_retention(actor=cast.archivist, case_file=other_file, years=10, reason="一般投诉")
    services.sign(actor=cast.archivist, case_file=other_file, role=services.COMPILER)
    other_file = services.sign(actor=cast.unit_head, case_file=other_file, role=services.CHECKER)
    inspection.archive(actor=cast.archivist, case=other)
    with time_machine.travel(timezone.now() + timedelta(days=365 * 10 + 60), tick=True):
        whole = file_disposal.propose_file_disposal(actor=cast.archivist, case_file=other_file, appraisal="保管期满")
        whole = file_disposal.decide_file_disposal(actor=cast.leader, disposal=whole, approve=True, opinion="同意")
    return {
        "case_file": case_file,
        "legal_hold": hold,
        "disposal": disposal,
        "package_check": check,
        "long_term_mark": mark,
        "file_disposal": whole,
    }
