"""Keeping the search table in step with cases and parties, inside the same transaction as the change.

A case's row is written when the case is saved with a searchable column changed and when a party is added; a
transition (which saves only the stage) leaves it alone. ``reindex_all`` rebuilds the whole table (the migration
runs it for cases registered before the table existed; ``liuhen search-reindex`` runs it at any time).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db.models.signals import post_save

from liuhen.search.segment import indexed

SEARCHED = frozenset({"case_no", "intake_no", "cause", "summary", "agency", "agency_id", "unit", "unit_id"})


def text_of(case_no: str, cause: str, summary: str, party_names: list[str], intake_no: str = "") -> dict[str, str]:
    """The searched words: the case number (and the 案源登记号 it was registered under), parties, cause; summary."""
    numbers = [case_no, intake_no] if intake_no and intake_no != case_no else [case_no]
    return {"head": indexed(*numbers, *party_names, cause), "body": indexed(summary)}


def refresh(case: Any, apps: Any = global_apps) -> None:
    """Write this case's search row from its current columns and parties."""
    Party = apps.get_model("cases", "Party")
    CaseText = apps.get_model("search", "CaseText")
    names = list(Party.objects.filter(case_id=case.pk).order_by("id").values_list("name", flat=True))
    CaseText.objects.update_or_create(
        case_id=case.pk,
        defaults={
            "agency_id": case.agency_id,
            "unit_id": case.unit_id,
            **text_of(case.case_no, case.cause, case.summary, names, getattr(case, "intake_no", "")),
        },
    )


def _case_saved(
    sender: Any, instance: Any, created: bool, update_fields: Any = None, raw: bool = False, **_: Any
) -> None:
    if raw:
        return
    if created or update_fields is None or SEARCHED & set(update_fields):
        refresh(instance)


def _party_saved(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if not raw:
        refresh(instance.case)


def connect() -> None:
    from liuhen.cases.models import Case, Party

    post_save.connect(_case_saved, sender=Case, dispatch_uid="search.case_saved")
    post_save.connect(_party_saved, sender=Party, dispatch_uid="search.party_saved")


def reindex_all(apps: Any = global_apps, batch: int = 2000) -> int:
    """Rebuild every case's search row; returns how many were written."""
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    CaseText = apps.get_model("search", "CaseText")
    CaseText.objects.all().delete()
    done, last = 0, 0
    # a migration before the 案源登记号 existed runs this with the model of its time
    columns = ["pk", "agency_id", "unit_id", "case_no", "cause", "summary"]
    if any(f.name == "intake_no" for f in Case._meta.get_fields()):
        columns.append("intake_no")
    while True:
        cases = list(Case.objects.filter(pk__gt=last).order_by("pk").values(*columns)[:batch])
        if not cases:
            return done
        names: dict[int, list[str]] = {}
        for cid, name in (
            Party.objects.filter(case_id__in=[c["pk"] for c in cases]).order_by("id").values_list("case_id", "name")
        ):
            names.setdefault(cid, []).append(name)
        CaseText.objects.bulk_create(
            CaseText(
                case_id=c["pk"],
                agency_id=c["agency_id"],
                unit_id=c["unit_id"],
                **text_of(c["case_no"], c["cause"], c["summary"], names.get(c["pk"], []), c.get("intake_no", "")),
            )
            for c in cases
        )
        done += len(cases)
        last = cases[-1]["pk"]
