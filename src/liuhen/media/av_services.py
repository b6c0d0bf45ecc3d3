"""Leaving one activity unrecorded (rule AV6): asked for by an officer of the case, with a reason of the rule's
closed list, and approved or refused by the handling unit's head. Each command is ledgered."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from liuhen.accounts.models import Role, User
from liuhen.cases.services import require_case_actor
from liuhen.core.errors import Forbidden, InvalidInput, RuleViolation
from liuhen.core.rules import rule
from liuhen.core.rules.av import BY_DOC_TYPE, omission_allowed
from liuhen.documents.models import Document
from liuhen.ledger import services as ledger
from liuhen.media.models import AVOmission, OmissionReason, OmissionStatus


def _violation(message: str) -> RuleViolation:
    return RuleViolation("AV6", rule("AV6").source, message)


@transaction.atomic
def request_av_omission(*, actor: User, document: Document, reason: str, note: str) -> AVOmission:
    """rule AV6: ask to leave the activity a finalised document records unrecorded. One activity, never the case."""
    doc = Document.objects.select_related("case").get(pk=document.pk)
    case = doc.case
    require_case_actor(actor, case)
    if not doc.is_final:
        raise InvalidInput(f"{doc.type.name}尚未定稿：须对已记录的执法活动申请")
    if reason not in OmissionReason.values:
        allowed = "、".join(label for _, label in OmissionReason.choices)
        raise _violation(f"不予音像记录的理由只能是：{allowed}")
    note = note.strip()
    if not note:
        raise InvalidInput("须写明现场的具体情况")
    rows = [r for r in BY_DOC_TYPE.get(doc.doc_type, ()) if r.mandatory and r.applies(doc.values, major=case.is_major)]
    if not rows:
        raise InvalidInput(f"{doc.type.name}所记录的活动不属于必须音像记录的事项，无须申请")
    barred = sorted({r.label for r in rows if not omission_allowed(r, reason)})
    if barred:  # the reason must let the whole activity go unrecorded, under every row that asks for it
        raise _violation(f"“{OmissionReason(reason).label}”不适用于{'、'.join(barred)}")
    if AVOmission.objects.filter(document=doc).exclude(status=OmissionStatus.REFUSED).exists():
        raise InvalidInput("该活动已有不予音像记录的申请")
    now = timezone.now()
    omission = AVOmission.objects.create(
        case=case, document=doc, reason=reason, note=note, requested_by=actor, requested_at=now
    )
    ledger.append(
        actor=actor,
        action="media.av_omission_requested",
        subject_type="av_omission",
        subject_id=omission.pk,
        case_ref=case.pk,
        at=now,
        body={"case_no": case.case_no, "document": doc.pk, "type": doc.doc_type, "reason": reason, "note": note},
        rows=[omission],
    )
    return omission


@transaction.atomic
def decide_av_omission(*, actor: User, omission: AVOmission, approve: bool, opinion: str) -> AVOmission:
    """rule AV6: the head of the case's handling unit approves or refuses; nobody approves their own request."""
    om = AVOmission.objects.select_for_update(of=("self",)).select_related("case").get(pk=omission.pk)
    case = om.case
    if actor.agency_id != case.agency_id or actor.role != Role.UNIT_HEAD or actor.unit_id != case.unit_id:
        raise Forbidden("不予音像记录须由承办机构负责人审批")
    if om.requested_by_id == actor.pk:
        raise Forbidden("不能审批本人提出的申请")
    if om.status != OmissionStatus.PENDING:
        raise InvalidInput("该申请已审批")
    opinion = opinion.strip()
    if not opinion:
        raise InvalidInput("须填写审批意见")
    now = timezone.now()
    om.status = OmissionStatus.APPROVED if approve else OmissionStatus.REFUSED
    om.decided_by, om.decided_at, om.opinion = actor, now, opinion
    om.save(update_fields=["status", "decided_by", "decided_at", "opinion"])
    ledger.append(
        actor=actor,
        action="media.av_omission_decided",
        subject_type="av_omission",
        subject_id=om.pk,
        case_ref=case.pk,
        at=now,
        body={"case_no": case.case_no, "document": om.document_id, "status": om.status, "opinion": opinion},
        rows=[om],
    )
    return om
