"""The search table: one row per case with the words of its number, parties, cause (``head``) and summary
(``body``), segmented by jieba. PostgreSQL adds a stored ``tsvector`` column (head weighted A, body C) under a GIN
index; SQLite keeps an FTS5 index over the same two columns, filled by triggers. Both are set up by this app's
migration, so the Django model names only the plain columns."""

from __future__ import annotations

from django.db import models

from liuhen.ledger.projection import derived


class CaseText(models.Model):
    LEDGER = derived(
        "检索索引：由案件、当事人的行在同一事务中生成（liuhen.search.index），随时可由 liuhen search-reindex 重建"
    )

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="search_text", verbose_name="案件"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    head = models.TextField("案号、当事人、案由的词")
    body = models.TextField("简要案情的词", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件检索词"
        indexes = [
            models.Index(fields=["agency"], name="search_text_agency"),
            models.Index(fields=["unit"], name="search_text_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}"
