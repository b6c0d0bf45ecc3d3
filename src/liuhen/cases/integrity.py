"""How `liuhen verify` reads the case events of older versions, which carried no row images.

Their case numbers, stages, causes, fines and approval statuses are still proven against the rows; their
parties' ID numbers, phones and addresses were bare SHA-256 (names in clear), which a backfill replaces with
salted commitments (``liuhen ledger backfill``) once they are found to match.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from liuhen.ledger.models import Event
from liuhen.ledger.rebuild import Legacy, Partial

CASE_COLUMNS = ("case_no", "procedure", "stage", "cause", "source", "is_major", "penalty_kind")


def _fine(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return str(value)


def case_created(event: Event, body: dict[str, Any]) -> list[Partial]:
    cols: dict[str, Any] = {k: body[k] for k in CASE_COLUMNS if k in body}
    if "summary" in body:
        cols["summary"] = Legacy("clear", body["summary"])
    if "fine_amount" in body:
        cols["fine_amount"] = _fine(body["fine_amount"])
    out: list[Partial] = [("cases_case", event.subject_id, cols)]
    for p in body.get("parties") or []:
        if not isinstance(p, dict) or "id" not in p:
            continue
        party: dict[str, Any] = {"kind": p["kind"]} if "kind" in p else {}
        if "name" in p:
            party["name"] = Legacy("clear", p["name"])
        for col in ("id_number", "phone", "address"):
            if f"{col}_sha256" in p:
                party[col] = Legacy("sha256", p[f"{col}_sha256"])
        out.append(("cases_party", str(p["id"]), party))
    return out


def case_transition(event: Event, body: dict[str, Any]) -> list[Partial]:
    return [("cases_case", event.subject_id, {"stage": body.get("target")})]


def approval_proposed(event: Event, body: dict[str, Any]) -> list[Partial]:
    return [("cases_approval", event.subject_id, {"kind": body.get("kind"), "status": "reviewing"})]


def approval_signed(event: Event, body: dict[str, Any]) -> list[Partial]:
    return [("cases_approval", event.subject_id, {"status": body.get("status")})]


def officers(event: Event, body: dict[str, Any]) -> list[Partial]:
    """Officers named by user name (case.created: all of them; case.officer_assigned: one). Being a case's
    officer opens its records (R9, R11), so an officer row no event names is reported, never backfilled (D9)."""
    if "rows" in body:
        return []  # carried as row images
    from liuhen.cases.models import CaseOfficer

    names = body.get("officers") if event.action == "case.created" else [body.get("officer")]
    if not isinstance(names, list) or not event.subject_id.isdigit():
        return []
    found = CaseOfficer.objects.filter(case_id=int(event.subject_id), user__username__in=[str(n) for n in names])
    return [
        ("cases_caseofficer", str(pk), {"case_id": case_id, "user_id": user_id})
        for pk, case_id, user_id in found.values_list("pk", "case_id", "user_id")
    ]


LEGACY = {
    "case.created": case_created,
    "case.transition": case_transition,
    "approval.proposed": approval_proposed,
    "approval.reviewer_signed": approval_signed,
    "approval.approver_signed": approval_signed,
}
OFFICERS = {"case.created": officers, "case.officer_assigned": officers}
# every case, party, approval and officer row of an older version was named by one of these events
LISTED = ("cases_case", "cases_party", "cases_approval", "cases_caseofficer")
