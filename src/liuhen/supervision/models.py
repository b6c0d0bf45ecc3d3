"""Supervision (监督): scoring tables, review rounds and their sheets, 整改通知, monthly playback draws and checks,
the findings register and 执法过错 cases (rules SU1–SU4). Every row travels in its ledger event."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from liuhen.ledger.projection import derived, projected

USER = settings.AUTH_USER_MODEL


class ScoringTable(models.Model):
    """One published version of a scoring table of an agency (liuhen.supervision.tables). Never changed."""

    LEDGER = projected("supervision.table_published", append_only=True)

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="scoring_tables", verbose_name="机关"
    )
    code = models.CharField("评查表", max_length=40)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("名称", max_length=100)
    body = models.TextField("评查项目（JSON）")
    reason = models.TextField("制定依据或修订理由")
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="发布人")
    published_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "评查表"
        constraints = [
            models.UniqueConstraint(fields=["agency", "code", "version"], name="scoring_table_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"


class RoundStatus(models.TextChoices):
    OPEN = "open", "评查中"
    PUBLISHED = "published", "已通报"


class ReviewRound(models.Model):
    LEDGER = projected("supervision.round_opened", "supervision.round_published")

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="review_rounds", verbose_name="机关"
    )
    title = models.CharField("评查活动", max_length=100)
    share_percent = models.PositiveSmallIntegerField("每单位随机抽取比例（%）")
    all_major = models.BooleanField("重大案件全部评查", default=True)
    seed = models.CharField("随机种子", max_length=64)
    tree_size = models.BigIntegerField("抽取时账本规模")
    status = models.CharField("状态", max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="组织人")
    opened_at = models.DateTimeField("开始时间")
    published_at = models.DateTimeField("通报时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案卷评查活动"

    def __str__(self) -> str:
        return self.title


class SheetStatus(models.TextChoices):
    ASSIGNED = "assigned", "待评分"
    SCORED = "scored", "已评分待复核"
    CHECKED = "checked", "已复核"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class ReviewSheet(models.Model):
    """One case's scoring sheet in a round, assigned to a reviewer of another unit (交叉评查)."""

    LEDGER = projected(
        "supervision.round_opened", "supervision.sheet_scored", "supervision.sheet_checked", "supervision.item_scored"
    )

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="sheets", verbose_name="评查活动")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_sheets", verbose_name="案件")
    table = models.ForeignKey(ScoringTable, on_delete=models.PROTECT, related_name="sheets", verbose_name="评查表")
    selected_as = models.CharField("抽取方式", max_length=20, choices=[("random", "随机抽取"), ("major", "重大案件")])
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="review_sheets", verbose_name="评查人")
    status = models.CharField("状态", max_length=20, choices=SheetStatus.choices, default=SheetStatus.ASSIGNED)
    total = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices, blank=True)
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="复核人"
    )
    checked_at = models.DateTimeField("复核时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评查记分表"
        constraints = [models.UniqueConstraint(fields=["round", "case"], name="review_sheet_once_per_round")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.case_id}"


class ItemScore(models.Model):
    """One item of a sheet: the system's verdict and evidence (automatic items), the reviewer's deduction, and an
    override's reason. A manual item has no system verdict."""

    LEDGER = projected("supervision.round_opened", "supervision.item_scored", digest=("evidence",))

    sheet = models.ForeignKey(ReviewSheet, on_delete=models.PROTECT, related_name="items", verbose_name="记分表")
    code = models.CharField("项目", max_length=10)
    system_verdict = models.CharField("系统判定", max_length=10, blank=True)
    evidence = models.TextField("系统依据（JSON）", blank=True)
    verdict = models.CharField("评定", max_length=10, blank=True)
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=1, default=0)
    override_reason = models.TextField("改判理由", blank=True)
    note = models.TextField("评查意见", blank=True)
    scored_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="评分人"
    )
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "评查项目得分"
        constraints = [models.UniqueConstraint(fields=["sheet", "code"], name="item_score_unique")]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.code}"


class RectificationNotice(models.Model):
    """整改通知 to a unit after a round, with its deadline and its closing."""

    LEDGER = projected("supervision.rectification_issued", "supervision.rectification_closed")

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="notices", verbose_name="评查活动")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="整改单位")
    content = models.TextField("整改事项")
    due_on = models.DateField("整改期限")
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="签发人")
    issued_at = models.DateTimeField("签发时间")
    closed_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="确认人"
    )
    response = models.TextField("整改情况", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "整改通知"

    def __str__(self) -> str:
        return f"整改通知 {self.pk}"


class PlaybackDraw(models.Model):
    """A month's random draw of recordings for playback checks (rule SU1): seeded from the ledger's head."""

    LEDGER = projected("supervision.playback_drawn")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    month = models.CharField("月份", max_length=7)
    share_percent = models.PositiveSmallIntegerField("抽查比例（%）")
    seed = models.CharField("随机种子", max_length=64)
    tree_size = models.BigIntegerField("抽取时账本规模")
    population = models.PositiveIntegerField("当月音像记录数")
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="抽取人")
    drawn_at = models.DateTimeField("抽取时间")

    class Meta:
        verbose_name = verbose_name_plural = "音像记录抽查"
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="playback_draw_once_a_month")]

    def __str__(self) -> str:
        return f"{self.month}"


class PlaybackCheck(models.Model):
    LEDGER = projected("supervision.playback_drawn", "supervision.playback_checked")

    draw = models.ForeignKey(PlaybackDraw, on_delete=models.PROTECT, related_name="checks", verbose_name="抽查")
    recording = models.ForeignKey(
        "media.Recording", on_delete=models.PROTECT, related_name="+", verbose_name="音像记录"
    )
    checked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="检查人"
    )
    checked_at = models.DateTimeField("检查时间", null=True, blank=True)
    opening_statement = models.BooleanField("开始时说明时间、地点、人员、事项（AV8）", null=True)
    content_focus = models.BooleanField("摄录重点完整（AV11）", null=True)
    interruptions_explained = models.BooleanField("中断已说明（AV7）", null=True)
    upload_on_time = models.BooleanField("按时上传（R1）", null=True)
    device_officer_right = models.BooleanField("设备与执法人员相符", null=True)
    note = models.TextField("检查意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "音像记录回放检查"

    def __str__(self) -> str:
        return f"{self.draw_id}:{self.recording_id}"


class FindingKind(models.TextChoices):
    NO_RECORD = "no_record", "未按规定记录"
    NON_COMPLIANT = "non_compliant", "记录不规范"
    LEAKED = "leaked", "泄露执法记录"
    ALTERED = "altered", "毁损、删除、修改执法记录"
    LOST = "lost", "保管不善致记录丢失"


class Finding(models.Model):
    """The findings register (rule SU2)."""

    LEDGER = projected("supervision.finding_opened", "supervision.finding_closed", digest=("evidence",))

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    kind = models.CharField("问题类型", max_length=20, choices=FindingKind.choices)
    origin = models.CharField(
        "来源",
        max_length=20,
        choices=[("review", "案卷评查"), ("playback", "回放抽查"), ("verify", "账本校验"), ("report", "其他发现")],
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="案件"
    )
    person = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    description = models.TextField("问题")
    evidence = models.TextField("依据")
    due_on = models.DateField("整改期限")
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="登记人")
    opened_at = models.DateTimeField("登记时间")
    closed_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="确认人"
    )
    closing = models.TextField("整改情况", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题登记"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class FaultCase(models.Model):
    """执法过错 case: opened from a revoked or changed decision, liability drafted from the approval chain."""

    LEDGER = projected("supervision.fault_opened", "supervision.fault_extended", "supervision.fault_decided")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="机关")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name="原案件")
    trigger = models.CharField(
        "起因",
        max_length=20,
        choices=[
            ("revoked", "决定被复议或诉讼撤销"),
            ("changed", "决定被复议或诉讼变更"),
            ("finding", "评查、抽查发现过错"),
        ],
    )
    trigger_note = models.TextField("起因说明（复议决定书、判决书文号）")
    liability = models.TextField("责任划分（JSON）")
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="立案人")
    opened_at = models.DateTimeField("立案时间")
    due_on = models.DateField("办结期限")
    extended = models.BooleanField("已延长30日", default=False)
    decision = models.TextField("处理决定", blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="决定人"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法过错案件"

    def __str__(self) -> str:
        return f"过错 {self.pk}"


class DashboardSnapshot(models.Model):
    """The dashboard's figures as last computed (rule SU3): charts, their tables and the queries that made them.
    Refreshed every 15 minutes and on request; a page reads the newest one so it stays fast at any size."""

    LEDGER = derived("统计快照：由案件、期限、音像、评查和问题登记各表按页面所示的查询重新计算，随时可重建")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField()
    seconds = models.FloatField()
    body = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["agency", "unit", "computed_at"], name="dashboard_snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.unit_id}@{self.computed_at}"
