"""The navigation a role sees: only the pages of its daily work that the permission table lets it open."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.urls import reverse

from liuhen.accounts.models import Role
from liuhen.core.permissions import Action, Scope, scope

register = template.Library()

OF, U, L, R, A, S, AD = (
    Role.OFFICER,
    Role.UNIT_HEAD,
    Role.LEADER,
    Role.LEGAL_REVIEWER,
    Role.ARCHIVIST,
    Role.SUPERVISOR,
    Role.ADMIN,
)


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    action: Action | None  # the permission the page needs (None: every signed-in user)
    roles: frozenset[str]  # whose daily work it is; the permission table must allow it too
    plain: bool = False  # a page outside the boosted layout (the admin site)


ENTRIES = (
    Entry("home", "我的工作台", None, frozenset(Role)),
    Entry("case_list", "案件", Action.CASE_VIEW, frozenset({OF, U, L, R, A, S})),
    Entry("case_create", "登记案件", Action.CASE_CREATE, frozenset({OF, U})),
    Entry("deadline_list", "期限", Action.CASE_VIEW, frozenset({OF, U, L, R, A, S})),
    Entry("access_requests", "调阅申请", Action.ACCESS_REQUEST, frozenset({OF, U, L, R, A, S})),
    Entry("media_unlinked", "待分配音像", Action.MEDIA_UPLOAD, frozenset({OF, U})),
    Entry("archive_queue", "待归档", Action.CASE_VIEW, frozenset({A})),
    Entry("supervision_dashboard", "监督", Action.SUPERVISE, frozenset({S}), plain=True),
    Entry("disclosure_review", "公示审核", Action.APPROVE, frozenset({U, L})),
    Entry("media_devices", "设备", Action.DEVICE, frozenset({U, AD})),
    Entry("agency_settings", "机关设置", Action.SETTINGS, frozenset({AD})),
)


@dataclass(frozen=True)
class Item:
    url: str
    label: str
    plain: bool = False


def nav(user: object) -> list[Item]:
    role = str(getattr(user, "role", ""))
    approves = scope(role, Action.APPROVE) != Scope.NONE  # who decides 调阅 requests sees them as 调阅审批 (R9)
    items = [
        Item(reverse(e.url_name), "调阅审批" if e.url_name == "access_requests" and approves else e.label, e.plain)
        for e in ENTRIES
        if role in e.roles and (e.action is None or scope(role, e.action) != Scope.NONE)
    ]
    if getattr(user, "is_staff", False):
        items.append(Item(reverse("admin:index"), "机构与人员管理", plain=True))
    return items


@register.filter
def nav_items(user: object) -> list[Item]:
    return nav(user)


@register.filter
def finds_cases(user: object) -> bool:
    """Whether the header offers the one search box (case number in any brackets, party, cause)."""
    return scope(str(getattr(user, "role", "")), Action.CASE_VIEW) != Scope.NONE
