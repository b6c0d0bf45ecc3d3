"""Django admin for agency administrators. Every save is a ledger event; nothing is deleted.

An administrator of an agency sees and changes only that agency: its units, users, certificates and tokens,
in every list, form choice and save. Only the instance's own administrator (a superuser of no agency) sees
all agencies. API tokens are read-only here: a hash is never edited and a revocation never undone; the one
action is to revoke, through the same command as `liuhen token revoke`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from liuhen.accounts.models import Agency, ApiToken, Certificate, Unit, User
from liuhen.accounts.services import revoke_tokens
from liuhen.ledger import services as ledger

SECRET_FIELDS = {"password", "token_hash"}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return str(value)


def scope(request: HttpRequest) -> int | None:
    """The agency an administrator is limited to; None only for the instance's superuser of no agency."""
    user: User = request.user  # type: ignore[assignment]
    if user.agency_id is None and user.is_superuser:
        return None
    return user.agency_id or -1  # staff of no agency see nothing


class LedgeredAdmin(admin.ModelAdmin):
    """Admin saves append their event in the same transaction; deletion is refused (rule R8). Lists, choices
    and saves are limited to the administrator's agency (``agency_path`` leads from the row to it)."""

    agency_path = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        agency = scope(request)
        return qs if agency is None else qs.filter(**{self.agency_path: agency})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        agency = scope(request)
        if agency is not None:
            model = db_field.related_model
            paths = {Agency: "pk", Unit: "agency", User: "agency", Certificate: "user__agency"}
            if model in paths:
                kwargs["queryset"] = model._default_manager.filter(**{paths[model]: agency})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _outside(self, request: HttpRequest, obj: Any) -> bool:
        agency = scope(request)
        if agency is None:
            return False
        return not type(obj)._default_manager.filter(pk=obj.pk, **{self.agency_path: agency}).exists()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if self._outside(request, obj):  # a row moved to, or made in, another agency
                raise PermissionDenied("只能管理本机关的机构和人员")
            fields = [
                f
                for f in (form.changed_data if change else [f.name for f in obj._meta.concrete_fields])
                if f not in SECRET_FIELDS
            ]
            body = {f: _plain(getattr(obj, f, None)) for f in fields if hasattr(obj, f)}
            if change and "password" in form.changed_data:
                body["password"] = "changed"
            ledger.append(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'changed' if change else 'created'}",
                subject_type=obj._meta.model_name,
                subject_id=obj.pk,
                body=body,
                rows=[obj],
            )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(LedgeredAdmin):
    list_display = ("name", "short_name", "case_no_template", "parent")
    agency_path = "pk"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return scope(request) is None and super().has_add_permission(request)


@admin.register(Unit)
class UnitAdmin(LedgeredAdmin):
    list_display = ("name", "agency", "parent", "is_legal_unit")
    list_filter = (("agency", admin.RelatedOnlyFieldListFilter),)


@admin.register(User)
class LiuhenUserAdmin(LedgeredAdmin, UserAdmin):
    list_display = ("username", "full_name", "role", "agency", "unit", "is_active")
    list_filter = (
        "role",
        ("agency", admin.RelatedOnlyFieldListFilter),
        ("unit", admin.RelatedOnlyFieldListFilter),
        "is_active",
    )
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    filter_horizontal = ()  # a plain multiple choice: the two-box widget's help text is not translated
    # one 姓名 field, as Chinese names are written (not Django's 名字 and 姓氏)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "email")}),
        ("机关与角色", {"fields": ("agency", "unit", "role")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        ("机关与角色", {"fields": ("full_name", "agency", "unit", "role")}),
    )


@admin.register(Certificate)
class CertificateAdmin(LedgeredAdmin):
    list_display = ("certificate_no", "user", "valid_from", "valid_to", "status")
    list_filter = ("status",)
    agency_path = "user__agency"


@admin.register(ApiToken)
class ApiTokenAdmin(LedgeredAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "revoked_at", "last_used_at")
    exclude = ("token_hash",)
    agency_path = "user__agency"
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only: no hash edited, no revocation undone

    @admin.action(description="吊销所选令牌", permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            count += revoke_tokens(actor=request.user, user=token.user, prefix=token.prefix)  # type: ignore[arg-type]
        self.message_user(request, f"已吊销 {count} 个令牌", messages.SUCCESS)
