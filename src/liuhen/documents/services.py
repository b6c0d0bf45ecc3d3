"""Document commands: draft, save, finalise (signatures, rules, number, act), correct. Each is ledgered."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases import services as case_services
from liuhen.cases.models import Approval, ApprovalStatus, Case, CaseNumberCounter
from liuhen.core import canonical
from liuhen.core.documents import DocumentType, FieldError, SlotRole, clean_value
from liuhen.core.documents.catalogue import BY_CODE, SERVED_BY_RECEIPT
from liuhen.core.documents.checks import CaseContext, SignatureInput, check_finalise
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.penalties import PartyKind
from liuhen.core.rules import rule
from liuhen.documents import prerequisites
from liuhen.documents.facts import deemed_served
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


def happened(t: DocumentType, values: dict[str, Any], now: datetime) -> dict[str, str]:
    """The time the recorded thing happened, for a type that names it (never later than now); ledgered so
    that periods run from it (T4): the re-check on the day it was made, the power cut when it was cut."""
    if not t.occurred_field or not values.get(t.occurred_field):
        return {}
    at = datetime.fromisoformat(str(values[t.occurred_field]))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.get_current_timezone())
    return {"occurred_at": case_services.ledger_time(min(at, now))}


def _number(case: Case, t: DocumentType, at: datetime) -> str:
    year = timezone.localtime(at).year
    counter, _ = CaseNumberCounter.objects.select_for_update().get_or_create(
        agency=case.agency, kind=t.number_code, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{case.agency.short_name}{t.number_code}〔{year}〕{counter.last:03d}号"


def content_of(doc: Document, signatures: list[dict[str, Any]]) -> dict[str, Any]:
    """What a finalised document's hash covers: its type, version, number, content, signatures and, when it
    has any, its attachments (name, hash and size of each file, rule S1)."""
    content = {
        "case": doc.case_id,
        "type": doc.doc_type,
        "version": doc.version,
        "document_no": doc.document_no,
        "supersedes": doc.supersedes_id,
        "data": doc.values,
        "signatures": signatures,
    }
    attachments = [a.record() for a in doc.attachments.select_related("blob")]
    if attachments:
        content["attachments"] = attachments
    return content


def _approval_for(doc: Document) -> Approval:
    t = doc.type
    approval = doc.case.approvals.filter(kind=t.approval, status=ApprovalStatus.APPROVED).order_by("-id").first()
    if approval is None:
        raise RuleViolation("D9", rule("D9").source, f"{t.name}须经承办人、审核人、批准人审批后方可定稿")
    return approval


def case_context(case: Case) -> CaseContext:
    """What a document's rules compare it with: the case's officers, parties, investigators and notified fines."""
    investigators = Signature.objects.filter(
        document__case=case,
        document__status=DocumentStatus.FINAL,
        document__doc_type__in=[t.code for t in BY_CODE.values() if t.investigation_record],
        slot=SlotRole.OFFICER.value,
    ).values_list("user_id", "name")
    notices = Document.objects.filter(  # the notices in force: a finalised correction replaces what it corrects
        case=case, status=DocumentStatus.FINAL, doc_type__in=["penalty_notice", "hearing_rights_notice"]
    ).exclude(corrections__status=DocumentStatus.FINAL)
    officers = [co.user for co in case.officers.select_related("user")]
    return CaseContext(
        officer_ids=frozenset(u.pk for u in officers),
        party_kinds=tuple(PartyKind(k) for k in case.parties.values_list("kind", flat=True)),
        is_major=case.is_major,
        investigator_ids=frozenset(uid for uid, _ in investigators if uid is not None),
        investigator_names=frozenset(
            {name.strip() for _, name in investigators if name.strip()} | {u.display_name for u in officers}
        ),
        notified_fines=tuple(
            Decimal(str(n.values["proposed_fine"])) if n.values.get("proposed_fine") else None for n in notices
        ),
    )


def act_for(t: DocumentType, values: dict[str, Any]) -> str:
    """The act a finalised document records: a 送达回证 by public notice records the notice (SV6), which is
    deemed service only 30 days later, not a delivery."""
    if t.code == "delivery_receipt" and values.get("method") == "public_notice":
        return "public_notice"
    return t.records_act


def _served_notices(doc: Document) -> list[str]:
    """The acts of the notices a 送达回证 serves: finalised notices of the case whose number it names."""
    named = str(doc.values.get("served_document") or "")
    notices = Document.objects.filter(case_id=doc.case_id, status=DocumentStatus.FINAL, doc_type__in=SERVED_BY_RECEIPT)
    return sorted({n.type.records_act for n in notices.exclude(document_no="") if n.document_no in named})


def _acts(doc: Document, inputs: list[SignatureInput], signed: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """The acts finalising ``doc`` records, each with when it happened. A correction repeats none. A notice is
    served when the party signs for it; otherwise its 送达回证 serves it, on the date signed for there (SV2), or,
    by public notice, on the deemed date 30 days after the notice (SV6: the act is dated ahead)."""
    t = doc.type
    if not t.records_act or doc.version != 1:
        return []
    if t.code in SERVED_BY_RECEIPT:
        return [(t.records_act, signed)] if any(s.slot == SlotRole.RECIPIENT for s in inputs) else []
    if t.code == "delivery_receipt":
        served_at = min(_local(doc.values["served_at"]), now)
        kind = act_for(t, doc.values)
        if kind == "public_notice":
            deemed = deemed_served(doc.values)  # None past the known calendar (T5): served once it is known
            at = datetime.combine(deemed, served_at.timetz()) if deemed else None
            return [(kind, served_at)] + ([(k, at) for k in _served_notices(doc)] if at else [])
        notices = _served_notices(doc) if kind == "delivery" else []
        return [(k, served_at) for k in notices or [kind]]
    return [(t.records_act, signed)]


def _local(value: Any) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.get_current_timezone())


@transaction.atomic
def finalise(
    *,
    actor: User,
    document: Document,
    signatures: list[SignatureRequest] | None = None,
    signed_at: datetime | None = None,
    backfill_reason: str = "",
) -> Document:
    """Finalise a draft. ``signed_at`` is when the paper form was signed, if before now: the act it records
    counts from then, and an entry made after it happened needs ``backfill_reason`` (a 补录)."""
    doc = _locked_draft(document)
    case, t = doc.case, doc.type
    _require_writer(actor, case, t)
    now = timezone.now()
    if signed_at is not None and signed_at > now + case_services.FUTURE_TOLERANCE:
        raise InvalidInput("签署时间不能晚于当前时间")
    signed = min(signed_at or now, now)
    today = timezone.localdate(now)
    inputs = [_resolve(case, req, today) for req in (signatures or [])]
    attachments = [a.record() for a in doc.attachments.select_related("blob")]
    kinds = frozenset(str(a["kind"]) for a in attachments if a.get("kind"))
    check_finalise(t, doc.values, inputs, today=today, context=case_context(case), attachments=kinds)
    prerequisites.check(doc, inputs, now)  # what the law requires on the case before this document (E3, I3, S7…)
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
            signed_at=signed,
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
            "attachments": attachments,
            "rules": list(t.rules),
            **happened(t, doc.values, now),
        },
        rows=[doc, *doc.signatures.all()],
    )
    for kind, occurred in _acts(doc, inputs, signed, now):  # what the deadlines and the timeline read
        case_services.record_document_act(
            actor=actor,
            case=case,
            kind=kind,
            document_id=doc.pk,
            occurred_at=occurred,
            backfill_reason=backfill_reason,
            note=f"{t.name}{(' ' + doc.document_no) if doc.document_no else ''}",
            takes_effect_later=occurred > now,
        )
    if settings.RENDER_ON_FINALISE:  # laid out once, after the commit, as the files it is issued as
        from liuhen.documents.tasks import queue_render

        transaction.on_commit(lambda: queue_render(doc.pk))
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
