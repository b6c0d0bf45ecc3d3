"""Agencies (机关), their unit tree (科室/执法大队), users, roles, certificates (执法证) and API tokens."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction

from liuhen.ledger.projection import new_salt, projected


class Agency(models.Model):
    LEDGER = projected("agency.created", "agency.changed")

    name = models.CharField("机关名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=20, help_text="用于案号，如“明应急”")
    case_no_template = models.CharField(
        "案号模板",
        max_length=80,
        default="{agency_short}{kind}〔{year}〕{seq}号",
        help_text="可用：{agency_short} 机关简称，{kind} 案件类别字（罚/检/许/强/诉），{year} 年份，"
        "{seq} 序号（可写 {seq:03d} 补零）",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
        verbose_name="上级机关",
    )

    class Meta:
        verbose_name = verbose_name_plural = "机关"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    LEDGER = projected("unit.created", "unit.changed")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units", verbose_name="机关")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级单位"
    )
    name = models.CharField("单位名称", max_length=100)
    is_legal_unit = models.BooleanField("法制机构", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "科室/执法大队"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_in_agency")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    UNIT_HEAD = "unit_head", "承办机构负责人"
    LEGAL_REVIEWER = "legal_reviewer", "法制审核人员"
    LEADER = "leader", "机关负责人"
    ARCHIVIST = "archivist", "档案管理员"
    SUPERVISOR = "supervisor", "监督人员"
    ADMIN = "admin", "系统管理员"


class User(AbstractUser):
    LEDGER = projected(
        "user.created",
        "user.changed",
        "user.password_changed",
        personal=("password",),
        exempt={"last_login": "Django 在每次登录时写入；登录与失败都记在 axes 的登录日志中"},
    )

    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name="机关"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name="单位"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.OFFICER)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A changed password (the administrator's password form, or Django rehashing it at sign-in) is a
        ledger event like every other change; a new user's password travels in its ``user.created`` event."""
        if getattr(self, "_password", None) is None or self._state.adding:
            super().save(*args, **kwargs)
            return
        from liuhen.ledger import services as ledger

        with transaction.atomic():
            super().save(*args, **kwargs)
            ledger.append(
                actor=self,
                action="user.password_changed",
                subject_type="user",
                subject_id=self.pk,
                body={"username": self.username},
                rows=[self],
            )

    def check_password(self, raw_password: str | None) -> bool:
        def rehash(raw: str) -> None:  # Django upgrades an old hash at sign-in: through save(), so recorded
            self.set_password(raw)
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, rehash)

    def valid_certificate(self, on: date) -> Certificate | None:
        for cert in self.certificates.all():
            if cert.is_valid_on(on):
                return cert
        return None


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    SUSPENDED = "suspended", "暂扣"
    REVOKED = "revoked", "注销"


class Certificate(models.Model):
    """执法证: rule I1 counts only certificates valid on the day of the act."""

    LEDGER = projected("certificate.issued", "certificate.created", "certificate.changed")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="certificates", verbose_name="持证人")
    certificate_no = models.CharField("执法证号", max_length=40, unique=True)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止")
    status = models.CharField(
        "状态", max_length=20, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE
    )

    class Meta:
        verbose_name = verbose_name_plural = "执法证"

    def __str__(self) -> str:
        return self.certificate_no

    def is_valid_on(self, on: date) -> bool:
        return self.status == CertificateStatus.ACTIVE and self.valid_from <= on <= self.valid_to


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is kept, the token is shown once."""

    LEDGER = projected(
        "token.created",
        "token.revoked",
        "apitoken.changed",
        personal=("token_hash",),
        exempt={"last_used_at": "最近使用时间（每分钟至多写一次的工作状态）；令牌的签发与吊销都有事件"},
    )

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=80, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
