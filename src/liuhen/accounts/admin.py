"""Django admin for agency administrators. Every save is a ledger event; nothing is deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models, transaction
from django.http import HttpRequest

from liuhen.accounts.models import Agency, ApiToken, Certificate, Unit, User
from liuhen.ledger import services as ledger

SECRET_FIELDS = {"password", "token_hash"}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return str(value)


class LedgeredAdmin(admin.ModelAdmin):
    """Admin saves append their event in the same transaction; deletion is refused (rule R8)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
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


@admin.register(Unit)
class UnitAdmin(LedgeredAdmin):
    list_display = ("name", "agency", "parent", "is_legal_unit")
    list_filter = ("agency",)


@admin.register(User)
class LiuhenUserAdmin(LedgeredAdmin, UserAdmin):
    list_display = ("username", "full_name", "role", "agency", "unit", "is_active")
    list_filter = ("role", "agency", "unit", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("机关与角色", {"fields": ("full_name", "agency", "unit", "role")}),
    )
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        ("机关与角色", {"fields": ("full_name", "agency", "unit", "role")}),
    )


@admin.register(Certificate)
class CertificateAdmin(LedgeredAdmin):
    list_display = ("certificate_no", "user", "valid_from", "valid_to", "status")
    list_filter = ("status",)


@admin.register(ApiToken)
class ApiTokenAdmin(LedgeredAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
