"""Reading documents: lists, the version chain of a document, and what changed between versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from liuhen.accounts.models import User
from liuhen.cases import listing
from liuhen.cases.access import check_record, hidden_records
from liuhen.cases.models import Case
from liuhen.cases.queries import visible_cases
from liuhen.core.documents import display
from liuhen.core.errors import InvalidInput, NotFound
from liuhen.core.stages import Fact
from liuhen.documents.models import Document, DocumentStatus


@dataclass
class DocumentPage:
    items: list[Document]
    next: str | None  # the cursor of the following page, None on the last
    count: int  # the number listed, or COUNT_CAP when there are more
    count_exact: bool


def list_documents(
    user: User,
    *,
    case: int | None = None,
    doc_type: str = "",
    status: str = "",
    latest_only: bool = False,
    cursor: str = "",
    size: int = 50,
) -> DocumentPage:
    """One page of the documents of the cases this user may see (R9), less the marked ones not for this role (R11),
    by case and then as made. Keyset pages: each part of the scope is read from the position on, at most a page
    and a row; the total is counted up to ``COUNT_CAP``."""
    size = max(1, min(size, listing.MAX_PAGE_SIZE))
    parts = listing.live_scope_parts(user)
    hidden = hidden_records(user, "document")
    hidden_cases = hidden_records(user, "case")

    def of(part: listing.Part) -> QuerySet[Document]:
        qs = filter_documents(
            Document.objects.filter(listing.part_of_case_q(part)),
            case=case,
            doc_type=doc_type,
            status=status,
            latest_only=latest_only,
        )
        qs = qs.exclude(pk__in=hidden) if hidden else qs
        return qs.exclude(case_id__in=hidden_cases) if hidden_cases else qs

    after = Q()
    if cursor:
        case_id, pk = listing.decode_cursor(cursor, "d")
        if not isinstance(case_id, int):
            raise InvalidInput("翻页位置（cursor）无效：请从第一页重新查询")
        after = Q(case_id__gt=case_id) | Q(case_id=case_id, pk__gt=pk)
    keys: set[tuple[int, int]] = set()
    counted: set[int] = set()
    for part in parts:
        keys.update(of(part).filter(after).values_list("case_id", "pk")[: size + 1])
        counted.update(of(part).order_by().values_list("pk", flat=True)[: listing.COUNT_CAP + 1])
    ordered = sorted(keys)
    nxt = listing.encode_cursor("d", *ordered[size - 1]) if len(ordered) > size else None
    by_id = Document.objects.select_related("case").in_bulk([pk for _, pk in ordered[:size]])
    items = [by_id[pk] for _, pk in ordered[:size] if pk in by_id]
    return DocumentPage(items, nxt, min(len(counted), listing.COUNT_CAP), len(counted) <= listing.COUNT_CAP)


def _of_visible_cases(user: User) -> QuerySet[Document]:
    return Document.objects.select_related("case").filter(case__in=visible_cases(user))


def get_document(user: User, document_id: int) -> Document:
    """One document; a marked one outside the role's rights is refused with its reason (403, R11)."""
    doc = _of_visible_cases(user).filter(pk=document_id).first()
    if doc is None:
        raise NotFound("文书不存在或无权查看")
    check_record(user, doc.case, "document", doc.pk)
    return doc


def filter_documents(
    qs: QuerySet[Document], *, case: int | None = None, doc_type: str = "", status: str = "", latest_only: bool = False
) -> QuerySet[Document]:
    if case:
        qs = qs.filter(case_id=case)
    if doc_type:
        qs = qs.filter(doc_type=doc_type)
    if status:
        qs = qs.filter(status=status)
    if latest_only:
        qs = qs.filter(corrections__isnull=True)
    return qs.order_by("case_id", "id")


def versions(doc: Document) -> list[Document]:
    """Every version of a document, first to latest."""
    first = doc
    while first.supersedes_id is not None:
        first = Document.objects.get(pk=first.supersedes_id)
    chain = [first]
    while (nxt := Document.objects.filter(supersedes=chain[-1]).first()) is not None:
        chain.append(nxt)
    return chain


def differences(old: Document, new: Document) -> list[dict[str, str]]:
    a, b = old.values, new.values
    return [
        {"field": f.name, "label": f.label, "old": display(f, a.get(f.name)), "new": display(f, b.get(f.name))}
        for f in new.type.fields
        if a.get(f.name) != b.get(f.name)
    ]


def describe(doc: Document) -> dict[str, Any]:
    t = doc.type
    values = doc.values
    return {
        "id": doc.pk,
        "case_id": doc.case_id,
        "case_no": doc.case.case_no,
        "doc_type": doc.doc_type,
        "name": t.name,
        "version": doc.version,
        "status": doc.status,
        "status_label": doc.get_status_display(),
        "document_no": doc.document_no,
        "supersedes": doc.supersedes_id,
        "correction_reason": doc.correction_reason,
        "created_at": doc.created_at,
        "finalised_at": doc.finalised_at,
        "content_sha256": doc.content_sha256,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "value": values.get(f.name),
                "display": display(f, values.get(f.name)),
            }
            for f in t.fields
        ],
        "attachments": [
            {**a.record(), "id": a.pk, "kind_label": a.get_kind_display() if a.kind else "附件", "added_at": a.added_at}
            for a in doc.attachments.select_related("blob")
        ],
        "signatures": [
            {**s.record(), "slot_label": s.get_slot_display(), "signed_at": s.signed_at} for s in doc.signatures.all()
        ],
        "rules": list(t.rules),
    }


def pending_recusals(case: Case) -> int:
    """rule S7: finalised recusal applications not yet answered by a finalised 回避决定书."""
    final = case.documents.filter(status=DocumentStatus.FINAL, supersedes__isnull=True)
    n = final.aggregate(  # one query for both counts: this runs for every case page and read
        applications=Count("pk", filter=Q(doc_type="recusal_application")),
        decisions=Count("pk", filter=Q(doc_type="recusal_decision")),
    )
    return max(0, n["applications"] - n["decisions"])


def recusal_facts(case: Case, on: date) -> set[str]:
    """rule S7: the investigation and decision steps wait while a recusal application is undecided."""
    return set() if pending_recusals(case) else {Fact.NO_PENDING_RECUSAL}
