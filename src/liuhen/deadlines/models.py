"""The agency's holiday table (imports of official schedules), deadline instances and their alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from liuhen.core.calendar import DayKind
from liuhen.core.rules.deadlines import DEADLINE_RULES, KIND_LABELS
from liuhen.ledger.projection import derived, projected


class CalendarImport(models.Model):
    """One import of a year's official schedule (T5). The newest import of a year is the one in force."""

    LEDGER = projected("calendar.imported", append_only=True)

    year = models.PositiveSmallIntegerField("年份", db_index=True)
    source = models.CharField("依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    file_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calendar_imports",
        verbose_name="导入人",
    )
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排导入"

    def __str__(self) -> str:
        return f"{self.year}（{self.source}）"


class CalendarDay(models.Model):
    LEDGER = projected("calendar.imported", append_only=True)

    calendar_import = models.ForeignKey(CalendarImport, on_delete=models.PROTECT, related_name="days")
    on = models.DateField("日期")
    kind = models.CharField(
        "类型", max_length=10, choices=[(DayKind.HOLIDAY.value, "放假"), (DayKind.WORKDAY.value, "调休上班")]
    )
    name = models.CharField("节日", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日"
        constraints = [models.UniqueConstraint(fields=["calendar_import", "on"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "进行中"
    MET = "met", "已按期办理"
    LATE = "late", "逾期办理"
    EARLY = "early", "未满等待期即办理"
    ENDED = "ended", "期满"


class Deadline(models.Model):
    """One running period of a timed rule on one case, or of an agency's own duty that belongs to no case (the
    year's statistics, P7; the update of its 事前公开, P4). Derived from ledger events (re-computable)."""

    LEDGER = derived(
        "由截止期限订阅者在记录起算、办结事件的同一事务中从账本事件推算，并引用这些事件的序号；节假日导入后重算估计值；"
        "期满由扫描记入 deadline.ended 事件。liuhen verify 按账本重放全部事件重建每一期限并逐列比对"
        "（liuhen.deadlines.replay）"
    )

    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines", verbose_name="案件"
    )
    agency = models.ForeignKey(  # set only for a period that belongs to no case: the agency that must meet it
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name="机关（不属于案件的期限）",
    )
    rule_key = models.CharField("规则", max_length=32, choices=[(r.key, f"{r.key} {r.title}") for r in DEADLINE_RULES])
    rule_id = models.CharField(max_length=8)
    kind = models.CharField("类别", max_length=16, choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    trigger = models.CharField("起算事件", max_length=64)
    trigger_seq = models.BigIntegerField("起算账本事件", null=True, blank=True)
    subject = models.CharField("起算事项", max_length=100, blank=True, default="")  # rows that run per subject (R15)
    started_at = models.DateTimeField("起算时间")
    due_at = models.DateTimeField("届满时刻", null=True, blank=True)
    due_on = models.DateField("届满日", null=True, blank=True, db_index=True)
    unverified_year = models.PositiveSmallIntegerField(
        "未核实年份", null=True, blank=True, help_text="T5：该年节假日安排尚未导入，届满日为估计值"
    )
    status = models.CharField(
        "状态", max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by_seq = models.BigIntegerField("办结账本事件", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "期限"
        indexes = [
            models.Index(fields=["status", "due_on"], name="deadline_status_due_on"),
            models.Index(fields=["status", "due_at"], name="deadline_status_due_at"),
        ]
        constraints = [
            models.CheckConstraint(  # a case's period, or an agency's own: never both, never neither
                condition=models.Q(case__isnull=False, agency__isnull=True)
                | models.Q(case__isnull=True, agency__isnull=False),
                name="deadline_case_or_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_key} {self.case_id or f'机关{self.agency_id}'}"

    def get_absolute_url(self) -> str:
        """Where the period is met: its case's page, or for an agency's own duty the page of the command."""
        if self.case_id is not None:
            return reverse("case_detail", args=[self.case_id])
        return reverse(AGENCY_DUTY_PAGES.get(self.rule_id, "deadline_list"))


# Where an agency's own duty (no case's) is met: the page of the command that meets it (P4: 事前公开; P7: 公示审核)
AGENCY_DUTY_PAGES = {"P4": "disclosure_prior", "P7": "disclosure_review"}


class AlertLevel(models.TextChoices):
    DUE_SOON = "due_soon", "即将到期"
    OVERDUE = "overdue", "已逾期"


class Alert(models.Model):
    LEDGER = derived("由期限扫描生成的提醒（通知的工作状态：已读、已发邮件）")

    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts")
    level = models.CharField("级别", max_length=10, choices=AlertLevel.choices)
    message = models.CharField("内容", max_length=300)
    created_at = models.DateTimeField("时间")
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒"
        constraints = [models.UniqueConstraint(fields=["deadline", "user", "level"], name="alert_once")]

    def __str__(self) -> str:
        return self.message
