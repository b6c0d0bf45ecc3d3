"""An agency's settings (liuhen.core.rules.agency_settings): append-only rows, the newest in force from its date."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from liuhen.core.rules.agency_settings import SETTINGS
from liuhen.ledger.projection import projected


class AgencySetting(models.Model):
    """One value of one setting for one agency, in force from ``effective_from`` until a later row's date.

    Rows are never changed or deleted (the database refuses it); the ``setting.changed`` ledger event carries
    every column."""

    LEDGER = projected("setting.changed", append_only=True)

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="agency_settings", verbose_name="机关"
    )
    key = models.CharField("设置项", max_length=40, choices=[(s.key, f"{s.key} {s.title}") for s in SETTINGS])
    value = models.CharField("值", max_length=40)
    reason = models.TextField("理由")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agency_settings_set", verbose_name="设置人"
    )
    set_at = models.DateTimeField("设置时间")
    effective_from = models.DateTimeField("施行时间")

    class Meta:
        verbose_name = verbose_name_plural = "机关设置"
        indexes = [models.Index(fields=["agency", "key", "effective_from"], name="agency_setting_in_force")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
