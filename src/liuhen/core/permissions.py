"""The one permission table: role × action → scope (rules R9–R12; 003 第二十条, 004 第二十三条).

Scopes, narrowest first:
- none: never;
- own: cases the user is assigned to;
- unit: cases of the user's unit (and their own cases in other units);
- agency: every case of the user's agency;
- oversight: the agency and the agencies below it (superior agencies, supervision, legal and petition
  offices retrieve records for their work, R9).

Reading outside one's scope (R9: 调阅须经批准): a role with ACCESS_REQUEST may ask, stating a purpose, for a
case of its own agency; whoever may APPROVE on that case (the head of the case's unit, a leader) approves or
refuses; an approved request lets that user view the case and read its records for ACCESS_GRANT_DAYS, every
read registered under the approved purpose.

Every API operation and web page names its action; a test walks every operation × every role against
this table, so an endpoint without an entry fails the build.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from liuhen.core.errors import RuleViolation
from liuhen.core.rules import rule


class Scope(StrEnum):
    NONE = "none"
    OWN = "own"
    UNIT = "unit"
    AGENCY = "agency"
    OVERSIGHT = "oversight"


RANK = {Scope.NONE: 0, Scope.OWN: 1, Scope.UNIT: 2, Scope.AGENCY: 3, Scope.OVERSIGHT: 4}


ACCESS_GRANT_DAYS = 7


class Action(StrEnum):
    SELF = "self"  # one's own account and tokens
    CASE_VIEW = "case_view"  # see a case, its timeline, deadlines
    CASE_CREATE = "case_create"
    CASE_WORK = "case_work"  # steps, acts, approvals proposed, documents drafted, media linked
    APPROVE = "approve"  # sign as 审核人 or 批准人 (the services check which)
    RECORD_READ = "record_read"  # open a record's content: documents, recordings (registered, R9)
    ACCESS_REQUEST = "access_request"  # ask to read a case outside one's scope (调阅申请, R9; see ACCESS_GRANT_DAYS)
    CONFIDENTIAL = "confidential"  # see what is marked secret or private (R11)
    COPY_REQUEST = "copy_request"  # request copies for a party, a court or a reconsideration body (R10, R12)
    COPY_DECIDE = "copy_decide"  # approve or refuse a copy request (R10: as the agency's setting names; R12)
    MEDIA_UPLOAD = "media_upload"
    DEVICE = "device"  # the device registry and its log (DV1)
    LEDGER = "ledger"  # checkpoints, proofs
    LEDGER_SIGN = "ledger_sign"  # issue a checkpoint now
    REFERENCE = "reference"  # the catalogues: document types, AV list, calendar, calculators, agency settings
    SETTINGS = "settings"  # change the agency's settings (liuhen.core.rules.agency_settings)
    SUPERVISE = "supervise"  # review rounds, playback draws, findings, fault cases, dashboards (SU1–SU4)
    REVIEW = "review"  # score the review sheets one is assigned to (交叉评查, SU4)


OWN, UNIT, AG, OV, NO = Scope.OWN, Scope.UNIT, Scope.AGENCY, Scope.OVERSIGHT, Scope.NONE

_ALL_CASE_ROLES = {
    Action.SELF: AG,
    Action.REFERENCE: AG,
    Action.LEDGER: AG,
}

TABLE: dict[str, dict[Action, Scope]] = {
    "officer": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: UNIT,
        Action.CASE_CREATE: UNIT,
        Action.CASE_WORK: OWN,
        Action.APPROVE: NO,
        Action.RECORD_READ: UNIT,
        Action.ACCESS_REQUEST: AG,
        Action.CONFIDENTIAL: OWN,
        Action.COPY_REQUEST: OWN,
        Action.COPY_DECIDE: NO,
        Action.MEDIA_UPLOAD: UNIT,
        Action.DEVICE: UNIT,
        Action.LEDGER_SIGN: NO,
        Action.SETTINGS: NO,
        Action.SUPERVISE: NO,
        Action.REVIEW: OWN,
    },
    "unit_head": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: UNIT,
        Action.CASE_CREATE: UNIT,
        Action.CASE_WORK: UNIT,
        Action.APPROVE: UNIT,
        Action.RECORD_READ: UNIT,
        Action.ACCESS_REQUEST: AG,
        Action.CONFIDENTIAL: UNIT,
        Action.COPY_REQUEST: UNIT,
        Action.COPY_DECIDE: UNIT,
        Action.MEDIA_UPLOAD: UNIT,
        Action.DEVICE: UNIT,
        Action.LEDGER_SIGN: NO,
        Action.SETTINGS: NO,
        Action.SUPERVISE: UNIT,
        Action.REVIEW: OWN,
    },
    "legal_reviewer": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: AG,
        Action.CASE_CREATE: NO,
        Action.CASE_WORK: AG,
        Action.APPROVE: NO,
        Action.RECORD_READ: AG,
        Action.ACCESS_REQUEST: AG,
        Action.CONFIDENTIAL: AG,
        Action.COPY_REQUEST: AG,
        Action.COPY_DECIDE: AG,
        Action.MEDIA_UPLOAD: NO,
        Action.DEVICE: NO,
        Action.LEDGER_SIGN: NO,
        Action.SETTINGS: NO,
        Action.SUPERVISE: AG,
        Action.REVIEW: AG,
    },
    "leader": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: OV,
        Action.CASE_CREATE: AG,
        Action.CASE_WORK: AG,
        Action.APPROVE: AG,
        Action.RECORD_READ: OV,
        Action.ACCESS_REQUEST: AG,
        Action.CONFIDENTIAL: AG,
        Action.COPY_REQUEST: AG,
        Action.COPY_DECIDE: AG,  # R10: where the agency's setting names the agency head (002 第三十四条)
        Action.MEDIA_UPLOAD: AG,
        Action.DEVICE: AG,
        Action.LEDGER_SIGN: NO,
        Action.SETTINGS: NO,
        Action.SUPERVISE: AG,
        Action.REVIEW: AG,
    },
    "archivist": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: AG,
        Action.CASE_CREATE: NO,
        Action.CASE_WORK: AG,
        Action.APPROVE: NO,
        Action.RECORD_READ: AG,
        Action.ACCESS_REQUEST: AG,
        Action.CONFIDENTIAL: NO,
        Action.COPY_REQUEST: AG,
        Action.COPY_DECIDE: NO,
        Action.MEDIA_UPLOAD: AG,
        Action.DEVICE: AG,
        Action.LEDGER_SIGN: AG,
        Action.SETTINGS: NO,
        Action.SUPERVISE: NO,
        Action.REVIEW: NO,
    },
    "supervisor": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: OV,
        Action.CASE_CREATE: NO,
        Action.CASE_WORK: NO,
        Action.APPROVE: NO,
        Action.RECORD_READ: OV,
        Action.ACCESS_REQUEST: OV,
        Action.CONFIDENTIAL: NO,
        Action.COPY_REQUEST: NO,
        Action.COPY_DECIDE: NO,
        Action.MEDIA_UPLOAD: NO,
        Action.DEVICE: AG,
        Action.LEDGER_SIGN: AG,
        Action.SETTINGS: NO,
        Action.SUPERVISE: OV,
        Action.REVIEW: AG,
    },
    "admin": {
        **_ALL_CASE_ROLES,
        Action.CASE_VIEW: NO,
        Action.CASE_CREATE: NO,
        Action.CASE_WORK: NO,
        Action.APPROVE: NO,
        Action.RECORD_READ: NO,
        Action.ACCESS_REQUEST: NO,
        Action.CONFIDENTIAL: NO,
        Action.COPY_REQUEST: NO,
        Action.COPY_DECIDE: NO,
        Action.MEDIA_UPLOAD: NO,
        Action.DEVICE: AG,
        Action.LEDGER_SIGN: AG,
        Action.SETTINGS: AG,  # the agency's administrator; sees no case content (separation of duties)
        Action.SUPERVISE: NO,
        Action.REVIEW: NO,
    },
}

if any(set(row) != set(Action) for row in TABLE.values()):  # pragma: no cover - a table error, caught at import
    raise RuntimeError("every role needs a scope for every action")


def scope(role: str, action: Action) -> Scope:
    return TABLE.get(role, {}).get(action, Scope.NONE)


def covers(granted: Scope, needed: Scope) -> bool:
    return RANK[granted] >= RANK[needed]


def refuse_own_request(*, decider_id: int, requester_ids: Iterable[int | None], what: str) -> None:
    """No one decides on what they asked for themselves, in any request (rule D9: 承办人, 审核人 and 批准人 are
    different people; R9, R10, R12). The one check every kind of request calls: a D9 approval chain (officer
    assignment included), a 调阅 request and a copy request. An administrator is no exception."""
    if decider_id in {i for i in requester_ids if i is not None}:
        raise RuleViolation(
            "D9", rule("D9").source, f"不能审核或批准本人提出或已签署的{what}（承办、审核、批准须为不同的人）"
        )
