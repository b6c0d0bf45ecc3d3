"""The archive's part of the tamper suite's world: a signed 案卷, a legal hold and an approved disposal, each made
through the commands (rules R4–R6, R14)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.utils import timezone

from liuhen.archive import retention, services
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
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=True):  # past the R5 six months
        disposal = retention.propose_disposal(actor=cast.archivist, recording=rec, appraisal="非证据，已过保存期")
        disposal = retention.decide_disposal(actor=cast.leader, disposal=disposal, approve=True, opinion="同意销毁")
    hold = retention.place_hold(actor=cast.legal_reviewer, case=case, kind="complaint", reason="当事人投诉")
    return {"case_file": case_file, "legal_hold": hold, "disposal": disposal}
