"""The 案卷 (case file) of a case that has ended: its contents in the conventional order, page numbers, cover
data, the 备考表, and the signatures of 立卷人 and 检查人 (rules R2, R6, R14)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from liuhen.ledger.projection import new_salt, projected

PERMANENT = 0  # 保管期限 in years; 0 is 永久 (as the R6 setting writes it)
RETENTION_LABELS = {0: "永久", 30: "30年", 10: "10年"}
RETENTION_CODES = {0: "Y", 30: "D30", 10: "D10"}


class CaseFile(models.Model):
    """One case's 案卷. Assembled (and re-assembled while unsigned) from the case's finalised documents; the volume
    PDF is made when the second of 立卷人 and 检查人 signs, and archiving the case waits for it (R14)."""

    LEDGER = projected(
        "archive.assembled", "archive.signed", "archive.retention_changed", personal=("remarks", "retention_reason")
    )  # free text that may name people

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="case_file", verbose_name="案件")
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="case_files", verbose_name="全宗（机关）"
    )
    year = models.PositiveIntegerField("年度")
    serial = models.PositiveIntegerField("结案顺序号")
    file_no = models.CharField("归档号", max_length=8)
    title = models.CharField("案卷题名", max_length=300)
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("终止日期")
    retention_years = models.PositiveIntegerField("保管期限（年，0 为永久）")
    retention_reason = models.TextField("保管期限变更理由", blank=True)
    contents = models.TextField("卷内文件（规范 JSON）", default="[]")
    pages = models.PositiveIntegerField("页数", default=0)
    remarks = models.TextField("本卷情况说明", blank=True)
    assembled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_files_assembled", verbose_name="组卷人"
    )
    assembled_at = models.DateTimeField("组卷时间")
    compiler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_files_compiled",
        verbose_name="立卷人",
    )
    compiled_at = models.DateTimeField("立卷时间", null=True, blank=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_files_checked",
        verbose_name="检查人",
    )
    checked_at = models.DateTimeField("检查时间", null=True, blank=True)
    pdf_sha256 = models.CharField("案卷 PDF 的 SHA-256", max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField("案卷 PDF 字节数", default=0)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "案卷"
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "serial"], name="case_file_serial_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.file_no} {self.title}"

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(json.loads(self.contents))

    @property
    def retention_label(self) -> str:
        return RETENTION_LABELS.get(self.retention_years, f"{self.retention_years}年")

    @property
    def archival_code(self) -> str:
        """档号: 全宗 (the agency's short name) - 类目 (行政执法, XZZF) - 年度 - 保管期限代码 - 件号."""
        code = RETENTION_CODES.get(self.retention_years, f"D{self.retention_years}")
        return f"{self.agency.short_name}-XZZF-{self.year}-{code}-{self.serial:04d}"

    @property
    def signed(self) -> bool:
        return bool(self.compiler_id and self.checker_id and self.pdf_sha256)


class HoldKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", "行政复议"
    LITIGATION = "litigation", "行政诉讼"
    COMPLAINT = "complaint", "投诉、信访"


class LegalHold(models.Model):
    """A legal hold on a case (复议, 诉讼, 投诉): every retention term of the case and its recordings is suspended
    until it is lifted (rules R4, R6)."""

    LEDGER = projected("archive.hold_placed", "archive.hold_lifted", personal=("reason", "lift_reason"))

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="legal_holds", verbose_name="案件")
    kind = models.CharField("事由", max_length=20, choices=HoldKind.choices)
    reason = models.TextField("说明")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds_placed", verbose_name="设置人"
    )
    placed_at = models.DateTimeField("设置时间")
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="holds_lifted",
        verbose_name="解除人",
    )
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lift_reason = models.TextField("解除理由", blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "诉讼保全（暂停销毁）"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{'已解除' if self.lifted_at else '生效中'}）"


class DisposalStatus(models.TextChoices):
    PROPOSED = "proposed", "待批准"
    APPROVED = "approved", "已批准并销毁"
    REFUSED = "refused", "不予批准"


class Disposal(models.Model):
    """The 鉴定 of one recording past its term and its 销毁: proposed by the archivist with the appraisal, approved
    by the agency head (a second person). Once approved the blob leaves the store and this row is its tombstone."""

    LEDGER = projected("archive.disposal_proposed", "archive.disposal_decided")

    recording = models.ForeignKey(
        "media.Recording", on_delete=models.PROTECT, related_name="disposals", verbose_name="音像记录"
    )
    sha256 = models.CharField("文件 SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("字节数")
    term = models.CharField("保管期限及依据", max_length=200)
    expired_on = models.DateField("期满日期")
    appraisal = models.TextField("鉴定意见")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disposals_proposed", verbose_name="鉴定人"
    )
    proposed_at = models.DateTimeField("鉴定时间")
    status = models.CharField("状态", max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disposals_decided",
        verbose_name="批准人",
    )
    decided_at = models.DateTimeField("批准时间", null=True, blank=True)
    opinion = models.TextField("批准意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "鉴定销毁"

    def __str__(self) -> str:
        return f"销毁 {self.sha256[:12]}（{self.get_status_display()}）"


class FileDisposal(models.Model):
    """The 鉴定销毁 of a whole 案卷 past its 保管期限 (rule R6): the archivist's 鉴定, the agency head's approval (a
    second person). Once approved, the case's payload files (the bound volume, the documents' PDF and DOCX, their
    attachments, the recordings, the copies given) leave the store; the case, its documents' structured content and
    every ledger event stay, and ``listing`` is the 销毁清册: what was destroyed, when, by whom, approved by whom."""

    LEDGER = projected("archive.file_disposal_proposed", "archive.file_disposal_decided")

    case_file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="disposals", verbose_name="案卷")
    term = models.CharField("保管期限及依据", max_length=200)
    expired_on = models.DateField("期满日期")
    appraisal = models.TextField("鉴定意见")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="file_disposals_proposed",
        verbose_name="鉴定人",
    )
    proposed_at = models.DateTimeField("鉴定时间")
    status = models.CharField("状态", max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="file_disposals_decided",
        verbose_name="批准人",
    )
    decided_at = models.DateTimeField("批准时间", null=True, blank=True)
    opinion = models.TextField("批准意见", blank=True)
    listing = models.TextField("销毁清册（规范 JSON）", default="[]")

    class Meta:
        verbose_name = verbose_name_plural = "案卷鉴定销毁"

    def __str__(self) -> str:
        return f"销毁案卷 {self.case_file.file_no}（{self.get_status_display()}）"

    @property
    def entries(self) -> list[dict[str, Any]]:
        return list(json.loads(self.listing))

    @property
    def destroyed(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e.get("destroyed")]


class R4Ground(models.TextChoices):
    OBJECTION = "objection", "当事人有异议或投诉"
    OBSTRUCTION = "obstruction", "妨碍执法或暴力抗法"
    MASS_INCIDENT = "mass_incident", "群体性或突发事件"


class LongTermMark(models.Model):
    """rule R4 (004 第十三条): an officer's record that a case, or one recording, concerns an objection or complaint,
    obstruction or violent resistance, or a mass or sudden incident. Its recordings are then kept long-term (the
    retention terms read it); a mark is never taken back (keeping longer loses nothing)."""

    LEDGER = projected("archive.long_term_marked", personal=("note",))

    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="long_term_marks",
        verbose_name="案件",
    )
    recording = models.ForeignKey(
        "media.Recording",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="long_term_marks",
        verbose_name="音像记录（空则为全案）",
    )
    ground = models.CharField("情形", max_length=20, choices=R4Ground.choices)
    note = models.TextField("情况说明")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="long_term_marks", verbose_name="标记人"
    )
    marked_at = models.DateTimeField("标记时间")
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "长期保存标记（R4）"

    def __str__(self) -> str:
        return f"{self.get_ground_display()}（长期保存）"


class PackageCheck(models.Model):
    """One 四性检测 (DA/T 70, 归档环节) of a bound 案卷's archival package (rule R14): run by itself when the
    archivist archives the case, and on demand. The report (every item by code, with its findings) is kept and
    shown; archiving waits for a passed check of the current volume."""

    LEDGER = projected("archive.checked", digest=("report",))

    case_file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="checks", verbose_name="案卷")
    volume_sha256 = models.CharField("所检案卷 PDF 的 SHA-256", max_length=64)
    passed = models.BooleanField("是否通过")
    failed = models.CharField("未通过的项目", max_length=200, blank=True)
    report = models.TextField("检测报告（JSON）")
    report_sha256 = models.CharField("报告 SHA-256", max_length=64)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="package_checks",
        verbose_name="检测人",
    )
    checked_at = models.DateTimeField("检测时间")

    class Meta:
        verbose_name = verbose_name_plural = "四性检测"

    def __str__(self) -> str:
        return f"四性检测 {'通过' if self.passed else '未通过'}（{self.checked_at:%Y-%m-%d}）"

    @property
    def data(self) -> dict[str, Any]:
        return dict(json.loads(self.report))
