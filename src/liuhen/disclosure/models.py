"""行政执法公示 (rules P1–P12): one entry per decision, its correction requests, and the public log of what was
published, corrected and taken down, with the log's signed checkpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from liuhen.ledger.projection import new_salt, projected

ENTRY_EVENTS = (
    "disclosure.drafted",
    "disclosure.published",
    "disclosure.withheld",
    "disclosure.revoked",
    "disclosure.taken_down",
    "disclosure.changed",
    "disclosure.updated",
)
LOG_EVENTS = ("disclosure.published", "disclosure.taken_down", "disclosure.updated")


class EntryKind(models.TextChoices):
    PENALTY = "penalty", "行政处罚"
    COMPULSION = "compulsion", "行政强制"
    LICENCE = "licence", "行政许可"
    INSPECTION = "inspection", "行政检查（双随机抽查结果）"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "待发布审核"
    PUBLISHED = "published", "已公示"
    WITHHELD = "withheld", "不予公示"
    TAKEN_DOWN = "taken_down", "已撤下"
    EXPIRED = "expired", "公示期满撤下"


class Entry(models.Model):
    """One decision's 事后公开 entry: the 双公示 data items, already redacted, with what each rule removed."""

    LEDGER = projected(
        *ENTRY_EVENTS,
        personal=("party_name", "party_code", "legal_representative"),
        digest=("facts", "legal_basis", "content", "redactions", "withheld_reason", "takedown_reason"),
    )

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="disclosure_entries", verbose_name="处罚机关"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="disclosure_entries", verbose_name="案件"
    )
    decision_document = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_entries",
        verbose_name="决定书",
    )
    kind = models.CharField("类别", max_length=12, choices=EntryKind.choices)
    decision_no = models.CharField("决定书文号", max_length=80, blank=True)
    party_kind = models.CharField("行政相对人类别", max_length=20)
    party_name = models.CharField("行政相对人名称", max_length=120)
    party_code = models.CharField("统一社会信用代码", max_length=40, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    violation_type = models.CharField("违法行为类型", max_length=200)
    facts = models.TextField("违法事实", blank=True)
    legal_basis = models.TextField("处罚依据", blank=True)
    category = models.CharField("处罚类别", max_length=40, blank=True)
    content = models.TextField("处罚内容", blank=True)
    fine_amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField("决定日期")
    public_until = models.DateField("公示截止期", null=True, blank=True)
    redactions = models.TextField("隐去内容清单（规范 JSON）", default="[]")
    status = models.CharField("状态", max_length=12, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    withheld_reason = models.TextField("不予公示理由", blank=True)
    revision = models.PositiveIntegerField("修订", default=1)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_drafts",
        verbose_name="起草人",
    )
    drafted_at = models.DateTimeField("起草时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_reviews",
        verbose_name="发布审核人",
    )
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    changed_at = models.DateTimeField("决定变更时间", null=True, blank=True)
    revoked_ground = models.CharField("撤下事由", max_length=20, blank=True)
    takedown_reason = models.TextField("撤下理由", blank=True)
    taken_down_at = models.DateTimeField("撤下时间", null=True, blank=True)
    content_sha256 = models.CharField("公示内容哈希", max_length=64, blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "公示条目"
        indexes = [
            models.Index(fields=["agency", "status", "decided_on"], name="disclosure_entry_public"),
            models.Index(fields=["status", "public_until"], name="disclosure_entry_expiry"),
        ]

    def __str__(self) -> str:
        return self.decision_no or f"公示{self.pk}"


class CorrectionStatus(models.TextChoices):
    RECEIVED = "received", "待核实"
    CORRECTED = "corrected", "已更正"
    REJECTED = "rejected", "经核实无误"


class CorrectionRequest(models.Model):
    """A written request from the public to correct a published entry (rule P5), answered within 5 working days."""

    LEDGER = projected(
        "disclosure.correction_requested",
        "disclosure.correction_handled",
        personal=("requester", "contact", "content", "reply"),
    )

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="corrections", verbose_name="公示条目")
    requester = models.CharField("申请人", max_length=100)
    contact = models.CharField("联系方式", max_length=100)
    content = models.TextField("更正内容")
    received_at = models.DateTimeField("收到时间")
    status = models.CharField(
        "状态", max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.RECEIVED
    )
    reply = models.TextField("处理意见", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosure_corrections",
        verbose_name="处理人",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "公示更正申请"

    def __str__(self) -> str:
        return f"更正申请{self.pk}"


class LogLeaf(models.Model):
    """One leaf of the public disclosure log: a publication, an update or a take-down, as its canonical JSON."""

    LEDGER = projected(*LOG_EVENTS, append_only=True)

    index = models.PositiveIntegerField("序号", primary_key=True)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="log_leaves", verbose_name="公示条目")
    data = models.TextField("叶子内容（规范 JSON）")
    leaf_hash = models.CharField("叶子哈希", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "公示日志"

    def __str__(self) -> str:
        return str(self.index)


class LogCheckpoint(models.Model):
    """The log's signed tree head after each leaf (the ledger's signing key, the portal's origin)."""

    LEDGER = projected(*LOG_EVENTS, append_only=True)

    tree_size = models.PositiveIntegerField("日志长度", unique=True)
    root_hash = models.CharField("根哈希", max_length=64)
    note = models.TextField("签名检查点")
    issued_at = models.DateTimeField("签发时间")

    class Meta:
        verbose_name = verbose_name_plural = "公示日志检查点"

    def __str__(self) -> str:
        return str(self.tree_size)


class AnnualStatistics(models.Model):
    """The previous year's enforcement figures as published (rules P7, P12): the tables as they stood, with the
    query behind each figure. A later publication of the same year is a new row; the newest is shown."""

    LEDGER = projected("disclosure.statistics_published", append_only=True)

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="annual_statistics", verbose_name="机关"
    )
    year = models.PositiveSmallIntegerField("年度")
    tables = models.TextField("统计表（规范 JSON）")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="published_statistics",
        verbose_name="公布人",
    )
    published_at = models.DateTimeField("公布时间")

    class Meta:
        verbose_name = verbose_name_plural = "年度行政执法统计"
        indexes = [models.Index(fields=["agency", "year"], name="annual_statistics_year")]

    def __str__(self) -> str:
        return f"{self.year}年度"


class InspectionCategory(models.TextChoices):
    KEY = "key", "重点检查事项"
    GENERAL = "general", "一般检查事项"


class InspectionItem(models.Model):
    """One line of the agency's 随机抽查事项清单 (rule P1: 001 五; 国办发〔2019〕5号), kept by the agency: saved
    and withdrawn by ledgered commands, published on the portal with the rest of its 事前公开 (P4, P11)."""

    LEDGER = projected("disclosure.inspection_item_saved", "disclosure.inspection_item_withdrawn")

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="inspection_items", verbose_name="机关"
    )
    category = models.CharField(
        "事项类别", max_length=10, choices=InspectionCategory.choices, default=InspectionCategory.GENERAL
    )
    name = models.CharField("抽查事项", max_length=200)
    target = models.CharField("检查对象", max_length=200)
    method = models.CharField("检查方式", max_length=100)
    basis = models.TextField("检查依据")
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_items",
        verbose_name="实施单位",
    )
    frequency = models.CharField("抽查比例和频次", max_length=100, blank=True)
    in_force = models.BooleanField("有效", default=True)
    withdrawn_reason = models.CharField("撤销理由", max_length=300, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspection_items_saved",
        verbose_name="维护人",
    )
    saved_at = models.DateTimeField("维护时间")

    class Meta:
        verbose_name = verbose_name_plural = "随机抽查事项"
        indexes = [models.Index(fields=["agency", "in_force"], name="inspection_item_listed")]

    def __str__(self) -> str:
        return self.name


class PriorDisclosure(models.Model):
    """One published version of an agency's 事前公开 (rules P1, P4, P11): what the portal shows, as it was reviewed
    and published. A change of the data it is made from opens the P4 update period until a new version is."""

    LEDGER = projected("disclosure.prior_published", append_only=True)

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="prior_disclosures", verbose_name="机关"
    )
    version = models.PositiveIntegerField("版本")
    content = models.TextField("公开内容（规范 JSON）")
    content_sha256 = models.CharField("内容哈希", max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prior_disclosures_published",
        verbose_name="审核发布人",
    )
    published_at = models.DateTimeField("发布时间")

    class Meta:
        verbose_name = verbose_name_plural = "事前公开版本"
        constraints = [models.UniqueConstraint(fields=["agency", "version"], name="prior_disclosure_version")]

    def __str__(self) -> str:
        return f"{self.agency_id} 第{self.version}版"


class PowerType(models.TextChoices):
    PENALTY = "penalty", "行政处罚"
    COMPULSION = "compulsion", "行政强制"
    INSPECTION = "inspection", "行政检查"
    LICENCE = "licence", "行政许可"
    OTHER = "other", "其他行政权力"


class PowerItem(models.Model):
    """One line of the agency's 权责清单 (rule P1: 执法职权 and the 责任事项 that go with it), kept by the agency
    like its 抽查 list and published with its 事前公开."""

    LEDGER = projected("disclosure.power_item_saved", "disclosure.power_item_withdrawn")

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="power_items", verbose_name="机关"
    )
    category = models.CharField("职权类型", max_length=12, choices=PowerType.choices, default=PowerType.PENALTY)
    name = models.CharField("职权名称", max_length=200)
    basis = models.TextField("设定依据")
    duties = models.TextField("责任事项")
    accountability = models.TextField("追责情形", blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="power_items",
        verbose_name="实施单位",
    )
    in_force = models.BooleanField("有效", default=True)
    withdrawn_reason = models.CharField("撤销理由", max_length=300, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="power_items_saved", verbose_name="维护人"
    )
    saved_at = models.DateTimeField("维护时间")

    class Meta:
        verbose_name = verbose_name_plural = "权责清单事项"

    def __str__(self) -> str:
        return self.name


class ServiceGuide(models.Model):
    """One 服务指南 of an application-based matter (rule P1; 118号: 事项名称、受理机构、审批机构、受理条件、
    办理时限)."""

    LEDGER = projected("disclosure.service_guide_saved", "disclosure.service_guide_withdrawn")

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="service_guides", verbose_name="机关"
    )
    name = models.CharField("事项名称", max_length=200)
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_guides",
        verbose_name="受理机构",
    )
    approver = models.CharField("审批机构", max_length=100)
    conditions = models.TextField("受理条件")
    materials = models.TextField("申请材料", blank=True)
    time_limit = models.CharField("办理时限", max_length=100)
    basis = models.TextField("办理依据", blank=True)
    in_force = models.BooleanField("有效", default=True)
    withdrawn_reason = models.CharField("撤销理由", max_length=300, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_guides_saved", verbose_name="维护人"
    )
    saved_at = models.DateTimeField("维护时间")

    class Meta:
        verbose_name = verbose_name_plural = "服务指南"

    def __str__(self) -> str:
        return self.name
