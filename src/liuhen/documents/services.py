"""Document commands: draft, save, finalise (signatures, rules, number, act), correct. Each is ledgered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases import services as case_services
from liuhen.cases.models import Approval, ApprovalStatus, Case, CaseNumberCounter
from liuhen.core import canonical
from liuhen.core.documents import DocumentType, FieldError, SlotRole, clean_value
from liuhen.core.documents.catalogue import BY_CODE
from liuhen.core.documents.checks import SignatureInput, check_finalise
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.rules import rule
from liuhen.documents.models import Document, DocumentStatus, Signature
from liuhen.ledger import services as ledger


@dataclass(frozen=True)
class SignatureRequest:
    """A signature as a form or the API sends it: a system user, or a name (party, witness …)."""

    slot: str
    username: str = ""
    name: str = ""
    refused: bool = False
    refusal_reason: str = ""
    witness_name: str = ""


def doc_type(code: str) -> DocumentType:
    try:
        return BY_CODE[code]
    except KeyError:
        raise InvalidInput(f"未知的文书种类：{code}") from None


def applicable_types(case: Case) -> list[DocumentType]:
    return [t for t in BY_CODE.values() if case.procedure in t.procedures]


def clean_data(t: DocumentType, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in t.fields}
    unknown = sorted(set(data) - names)
    if unknown:
        raise InvalidInput(f"{t.name}没有这些栏目：{'、'.join(unknown)}")
    try:
        cleaned = {f.name: clean_value(f, data.get(f.name)) for f in t.fields}
    except FieldError as exc:
        raise InvalidInput(str(exc)) from None
    return {k: v for k, v in cleaned.items() if v is not None}


def _require_writer(actor: User, case: Case, t: DocumentType) -> None:
    roles = case_services.ACT_ROLES.get(t.records_act)
    if roles is not None:  # a legal review is written by the legal unit, a collective discussion by leaders
        case_services.require_agency_member(actor, case.agency_id)
        if actor.role not in roles:
            raise Forbidden(f"{t.name}由{'、'.join(Role(r).label for r in roles)}制作")
    else:
        case_services.require_case_actor(actor, case)


def _hash(value: Any) -> str:
    return hashlib.sha256(canonical.dumps(value)).hexdigest()


def _new_version(
    actor: User,
    case: Case,
    t: DocumentType,
    values: dict[str, Any],
    *,
    action: str,
    previous: Document | None = None,
    reason: str = "",
) -> Document:
    """A new draft (a first version, or a correction of ``previous``) and its ledger event."""
    now = timezone.now()
    doc = Document.objects.create(
        case=case,
        doc_type=t.code,
        version=previous.version + 1 if previous else 1,
        supersedes=previous,
        correction_reason=reason,
        data=canonical.dumps(values).decode(),
        created_by=actor,
        created_at=now,
    )
    body: dict[str, Any] = {
        "case_no": case.case_no,
        "document": doc.pk,
        "type": t.code,
        "name": t.name,
        "version": doc.version,
        "data_sha256": _hash(values),
    }
    if previous is not None:
        body.update(supersedes=previous.pk, reason=reason)
    ledger.append(
        actor=actor,
        action=action,
        subject_type="document",
        subject_id=doc.pk,
        case_ref=case.pk,
        at=now,
        body=body,
        rows=[doc],
    )
    return doc


@transaction.atomic
def create_document(*, actor: User, case: Case, code: str, data: dict[str, Any] | None = None) -> Document:
    t = doc_type(code)
    if case.procedure not in t.procedures:
        raise InvalidInput(f"{case.get_procedure_display()}不使用{t.name}")
    _require_writer(actor, case, t)
    values = clean_data(t, data or {})
    return _new_version(actor, case, t, values, action="document.drafted")


def _locked_draft(document: Document) -> Document:
    doc = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
    if doc.status != DocumentStatus.DRAFT:
        raise InvalidInput(f"{doc.type.name}已定稿，不能修改；如需更正请制作新版本并说明理由")
    return doc


@transaction.atomic
def save_draft(*, actor: User, document: Document, data: dict[str, Any]) -> Document:
    doc = _locked_draft(document)
    _require_writer(actor, doc.case, doc.type)
    values = clean_data(doc.type, data)
    doc.data = canonical.dumps(values).decode()
    doc.save(update_fields=["data"])
    ledger.append(
        actor=actor,
        action="document.draft_saved",
        subject_type="document",
        subject_id=doc.pk,
        case_ref=doc.case_id,
        body={
            "case_no": doc.case.case_no,
            "document": doc.pk,
            "type": doc.doc_type,
            "version": doc.version,
            "data_sha256": _hash(values),
        },
        rows=[doc],
    )
    return doc


def _resolve(case: Case, req: SignatureRequest, today: Any) -> SignatureInput:
    try:
        slot = SlotRole(req.slot)
    except ValueError:
        raise InvalidInput(f"未知的签名栏：{req.slot}") from None
    user = None
    if req.username:
        user = User.objects.filter(username=req.username, agency_id=case.agency_id).first()
        if user is None:
            raise InvalidInput(f"本机关没有用户“{req.username}”")
    if slot == SlotRole.OFFICER and user is None:
        raise InvalidInput("执法人员签名须选择本机关执法人员（以核对执法证）")
    cert = user.valid_certificate(today) if user is not None else None
    return SignatureInput(
        slot=slot,
        name=(user.display_name if user else req.name).strip(),
        user_id=user.pk if user else None,
        certificate_no=cert.certificate_no if cert else "",
        certificate_valid=cert is not None,
        refused=req.refused,
        refusal_reason=req.refusal_reason.strip(),
        witness_name=req.witness_name.strip(),
    )


def _number(case: Case, t: DocumentType, at: datetime) -> str:
    year = timezone.localtime(at).year
    counter, _ = CaseNumberCounter.objects.select_for_update().get_or_create(
        agency=case.agency, kind=t.number_code, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{case.agency.short_name}{t.number_code}〔{year}〕{counter.last:03d}号"


def content_of(doc: Document, signatures: list[dict[str, Any]]) -> dict[str, Any]:
    """What a finalised document's hash covers: its type, version, number, content and signatures."""
    return {
        "case": doc.case_id,
        "type": doc.doc_type,
        "version": doc.version,
        "document_no": doc.document_no,
        "supersedes": doc.supersedes_id,
        "data": doc.values,
        "signatures": signatures,
    }


def _approval_for(doc: Document) -> Approval:
    t = doc.type
    approval = doc.case.approvals.filter(kind=t.approval, status=ApprovalStatus.APPROVED).order_by("-id").first()
    if approval is None:
        raise RuleViolation("D9", rule("D9").source, f"{t.name}须经承办人、审核人、批准人审批后方可定稿")
    return approval


@transaction.atomic
def finalise(*, actor: User, document: Document, signatures: list[SignatureRequest] | None = None) -> Document:
    doc = _locked_draft(document)
    case, t = doc.case, doc.type
    _require_writer(actor, case, t)
    now = timezone.now()
    today = timezone.localdate(now)
    inputs = [_resolve(case, req, today) for req in (signatures or [])]
    officer_ids = set(case.officers.values_list("user_id", flat=True))
    check_finalise(t, doc.values, inputs, today=today, case_officer_ids=officer_ids)
    rows: list[Signature] = []
    if t.approval:  # the D9 chain's three signatures are the form's 承办人/审核人/批准人
        approval = _approval_for(doc)
        doc.approval = approval
        rows += [
            Signature(
                document=doc,
                slot=step.role,
                user=step.user,
                name=step.signed_name,
                opinion=step.opinion,
                signed_at=step.signed_at,
            )
            for step in approval.steps.all()
        ]
    rows += [
        Signature(
            document=doc,
            slot=s.slot.value,
            user_id=s.user_id,
            name=s.name,
            certificate_no=s.certificate_no,
            refused=s.refused,
            refusal_reason=s.refusal_reason,
            witness_name=s.witness_name,
            signed_at=now,
        )
        for s in inputs
    ]
    if t.number_code:
        doc.document_no = _number(case, t, now)
    Signature.objects.bulk_create(rows)
    content = content_of(doc, [s.record() for s in doc.signatures.all()])
    doc.content_sha256 = _hash(content)
    doc.status, doc.finalised_by, doc.finalised_at = DocumentStatus.FINAL, actor, now
    doc.save(update_fields=["status", "finalised_by", "finalised_at", "document_no", "approval", "content_sha256"])
    ledger.append(
        actor=actor,
        action="document.finalised",
        subject_type="document",
        subject_id=doc.pk,
        case_ref=case.pk,
        at=now,
        body={
            "case_no": case.case_no,
            "document": doc.pk,
            "type": t.code,
            "name": t.name,
            "version": doc.version,
            "document_no": doc.document_no,
            "content_sha256": doc.content_sha256,
            "signatures": len(rows),
            "refused": sum(1 for s in rows if s.refused),  # who refused: in the signatures' salted images
            "rules": list(t.rules),
        },
        rows=[doc, *doc.signatures.all()],
    )
    if t.records_act and doc.version == 1:  # the act the gates read; a correction does not repeat it
        occurred = now
        if t.code == "delivery_receipt":  # rule SV2: the date signed for is the date served
            occurred = datetime.fromisoformat(str(doc.values["served_at"])).replace(
                tzinfo=timezone.get_current_timezone()
            )
        case_services.record_act(
            actor=actor,
            case=case,
            kind=t.records_act,
            occurred_at=min(occurred, now),
            note=f"{t.name}{(' ' + doc.document_no) if doc.document_no else ''}",
        )
    return doc


@transaction.atomic
def correct(*, actor: User, document: Document, reason: str, data: dict[str, Any] | None = None) -> Document:
    """A correction of a finalised document: a new draft version pointing to it, with the reason."""
    old = Document.objects.select_for_update().select_related("case").get(pk=document.pk)
    if old.status != DocumentStatus.FINAL:
        raise InvalidInput("草稿可直接修改，无需更正")
    if old.corrections.exists():
        raise InvalidInput("该版本已有更正版本，请在最新版本上更正")
    _require_writer(actor, old.case, old.type)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("更正须说明理由")
    values = clean_data(old.type, data if data is not None else old.values)
    return _new_version(
        actor, old.case, old.type, values, action="document.correction_started", previous=old, reason=reason
    )
