"""Audio-video records (音像记录): stored blobs, recordings with their metadata, and recording devices.

Rules R1 (24 h to upload), R7 (indexed by unit, device, officer, time, party, cause), R8 (originals never
change: blobs are append-only and content-addressed), DV1 (devices registered, assigned, maintained).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from liuhen.ledger.projection import derived, new_salt, projected


class Blob(models.Model):
    """One stored file, named by its SHA-256. A derivative (poster, thumbnail) names its original."""

    LEDGER = projected("media.ingested", "document.attachment_added", "document.rendered", append_only=True)

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField("大小（字节）")
    content_type = models.CharField(max_length=80, blank=True)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives", verbose_name="原始文件"
    )
    derivation = models.CharField("派生方式", max_length=40, blank=True, help_text="poster：首帧截图")
    stored_at = models.DateTimeField("存入时间")

    class Meta:
        verbose_name = verbose_name_plural = "存储文件"

    def __str__(self) -> str:
        return self.sha256[:12]


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    FAULTY = "faulty", "故障"
    RETIRED = "retired", "报废"


class Device(models.Model):
    """A recording device (执法记录仪 and others), rule DV1."""

    LEDGER = projected("device.registered", "device.logged", "device.assigned")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="devices")
    number = models.CharField("设备编号", max_length=40, unique=True)
    kind = models.CharField(
        "类型",
        max_length=20,
        default="body_camera",
        choices=[
            ("body_camera", "执法记录仪"),
            ("camera", "照相机"),
            ("recorder", "录音笔"),
            ("fixed", "固定视频监控"),
        ],
    )
    model_name = models.CharField("型号", max_length=80, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name="所属单位",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name="使用人",
    )
    status = models.CharField("状态", max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)

    class Meta:
        verbose_name = verbose_name_plural = "记录设备"

    def __str__(self) -> str:
        return self.number


class DeviceLog(models.Model):
    LEDGER = projected("device.registered", "device.logged", "device.assigned", "device.checked", append_only=True)

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="log")
    kind = models.CharField(
        "事项",
        max_length=20,
        choices=[
            ("registered", "登记"),
            ("assigned", "分配"),
            ("check", "使用前检查"),
            ("maintenance", "维护保养"),
            ("fault", "故障报告"),
            ("repaired", "修复"),
            ("retired", "报废"),
        ],
    )
    note = models.TextField("说明", blank=True)
    battery_ok = models.BooleanField("电量充足", null=True, blank=True, help_text="DV1：使用前检查")
    storage_ok = models.BooleanField("存储空间充足", null=True, blank=True, help_text="DV1：使用前检查")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="device_log"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "设备台账"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.device} {self.kind}"


class Recording(models.Model):
    """One audio-video file as recorded, with what it shows and where it belongs (rules R1, R3, R7, I5, AV7, AV8)."""

    LEDGER = projected(
        "media.ingested",
        "media.linked",
        "media.reviewed",
        "media.marked_evidence",
        "media.device_review",
        "media.triaged",
        "media.start_entered",
        personal=("party",),
    )

    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="recordings")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="recordings", verbose_name="案件"
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="recordings", verbose_name="设备"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recordings",
        verbose_name="执法人员",
    )
    unit = models.ForeignKey(
        "accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="recordings", verbose_name="单位"
    )
    file_name = models.CharField("原文件名", max_length=255)
    recorded_from = models.DateTimeField("录制开始", null=True, blank=True, db_index=True)
    recorded_to = models.DateTimeField("录制结束", null=True, blank=True)
    # a file that carried no creation time: the start as an officer entered it afterwards (the file is untouched)
    start_entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entered_recording_starts",
        verbose_name="补记开始时间的人员",
    )
    start_entered_at = models.DateTimeField("补记开始时间的时间", null=True, blank=True)
    returned_at = models.DateTimeField("异地执法返回时间", null=True, blank=True, help_text="R1：返回后24小时内上传")
    uploaded_at = models.DateTimeField("上传时间")
    upload_due_at = models.DateTimeField("应上传期限", null=True, blank=True)
    duration_ms = models.BigIntegerField("时长（毫秒）", null=True, blank=True)
    container = models.CharField("封装格式", max_length=40, blank=True)
    video_codec = models.CharField("视频编码", max_length=40, blank=True)
    audio_codec = models.CharField("音频编码", max_length=40, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_in_file = models.DateTimeField("文件内记录的拍摄时间", null=True, blank=True)
    gps = models.CharField("GPS", max_length=60, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    party = models.CharField("当事人", max_length=120, blank=True)
    cause = models.CharField("事由", max_length=200, blank=True)
    poster = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="poster_of")
    party_told = models.BooleanField("已告知当事人开始录制（I5）", default=False)
    opening_statement = models.BooleanField("开始时已说明时间地点人员事项（AV8）", default=False)
    continues = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="continued_by",
        verbose_name="接续的上一段",
        help_text="同一设备间隔不超过10分钟的录像为同一执法活动的分段",
    )
    contractor = models.CharField("制作方（购买服务的第三方）", max_length=120, blank=True, help_text="R16")
    supervising_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_recordings",
        verbose_name="监督的执法人员（R16）",
    )
    device_status = models.CharField(
        "录制时设备状态", max_length=20, blank=True, help_text="DV1：故障、报废设备的录像须经审定"
    )
    precheck = models.ForeignKey(
        DeviceLog,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recordings",
        verbose_name="使用前检查（DV1）",
    )
    device_review = models.CharField(
        "设备问题审定",
        max_length=10,
        blank=True,
        choices=[("pending", "待审定"), ("accepted", "采用"), ("rejected", "不予采用")],
    )
    device_review_reason = models.TextField("审定理由", blank=True)
    device_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_reviews",
        verbose_name="审定人",
    )
    device_reviewed_at = models.DateTimeField("审定时间", null=True, blank=True)
    triage = models.CharField(
        "未归案录像的核查结论",
        max_length=20,
        blank=True,
        choices=[("private_use", "与执法无关（私用）"), ("no_case", "执法活动，未立案")],
        help_text="DV2",
    )
    triage_note = models.TextField("核查说明", blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="triaged_recordings"
    )
    triaged_at = models.DateTimeField("核查时间", null=True, blank=True)
    evidence = models.BooleanField("作为证据使用", default=False)
    explanation = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="explained_recordings",
        verbose_name="文字说明（R3）",
    )
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "音像记录"
        indexes = [
            models.Index(fields=["officer", "recorded_from"], name="recording_officer_time"),
            models.Index(fields=["device", "recorded_from"], name="recording_device_time"),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def late(self) -> bool:
        return self.upload_due_at is not None and self.uploaded_at > self.upload_due_at


class InterruptionReason(models.TextChoices):
    DEVICE_FAULT = "device_fault", "设备故障"
    BATTERY = "battery", "电量不足"
    STORAGE = "storage", "存储空间不足"
    WEATHER = "weather", "天气原因"
    OBSTRUCTION = "obstruction", "遭到阻挠"
    OTHER = "other", "其他"


class InterruptionNote(models.Model):
    """rule AV7: why a recording broke off, stated in the next segment or, failing that, in writing after."""

    LEDGER = projected("media.interruption_noted", append_only=True)

    recording = models.ForeignKey(
        Recording, on_delete=models.PROTECT, related_name="interruptions", verbose_name="中断后的录像"
    )
    reason = models.CharField("中断原因", max_length=20, choices=InterruptionReason.choices)
    note = models.TextField("说明", blank=True)
    stated_in_next_segment = models.BooleanField("已在续录时语音说明", default=False)
    cannot_continue = models.BooleanField("确实无法继续记录", default=False, help_text="AV12：立即报告主管人员")
    reported_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interruption_reports",
        verbose_name="报告的主管人员（AV12）",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interruption_notes"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = verbose_name_plural = "中断说明"

    def __str__(self) -> str:
        return self.get_reason_display()


class RecordingReview(models.Model):
    """A playback review of a recording (rules I5, AV8, AV11): the opening statements and the content focus.

    Reviews are records: a later review adds a row, and the newest one is in force."""

    LEDGER = projected("media.reviewed", append_only=True)

    recording = models.ForeignKey(Recording, on_delete=models.PROTECT, related_name="reviews", verbose_name="音像记录")
    party_told = models.BooleanField("已告知当事人开始录制（I5）")
    opening_statement = models.BooleanField("开始时已说明时间、地点、人员、事项（AV8）")
    scene = models.BooleanField("执法现场环境（AV11）")
    people = models.BooleanField("现场有关人员的体貌特征和言行举止（AV11）")
    key_items = models.BooleanField("重要涉案物品及其主要特征（AV11）")
    measures = models.BooleanField("对人员、财物采取措施的情况（AV11）")
    documents_served = models.BooleanField("现场制作、送达文书的情况（AV11）")
    note = models.TextField("说明", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recording_reviews"
    )
    reviewed_at = models.DateTimeField("回放审查时间")

    class Meta:
        verbose_name = verbose_name_plural = "音像记录回放审查"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.recording} {self.reviewed_at:%Y-%m-%d}"


class OmissionReason(models.TextChoices):
    """rule AV6 (001 七; 004 第十九条; 000 第十条): the closed list; AV2 adds “unsuitable” (002 第十三条)."""

    FLAMMABLE = "flammable", "易燃易爆场所（含危险化学品场所）"
    CLASSIFIED = "classified", "涉密场所"
    UNSUITABLE = "unsuitable", "不适宜音像记录（仅限勘验、抽样、听证）"


class OmissionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class AVOmission(models.Model):
    """rule AV6: leaving one activity (a finalised document) unrecorded, for a reason of the rule, approved by
    the handling unit's head. It covers that activity only, never the case."""

    LEDGER = projected("media.av_omission_requested", "media.av_omission_decided")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="av_omissions", verbose_name="案件")
    document = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="av_omissions", verbose_name="执法活动（文书）"
    )
    reason = models.CharField("理由", max_length=20, choices=OmissionReason.choices)
    note = models.TextField("情况说明")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="av_omissions")
    requested_at = models.DateTimeField("申请时间")
    status = models.CharField("状态", max_length=10, choices=OmissionStatus.choices, default=OmissionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="av_omission_decisions",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "不予音像记录的审批（AV6）"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.document} {self.get_reason_display()}"


class Upload(models.Model):
    """A resumable upload in progress (tus 1.0): how much has arrived. Working state, not a record."""

    LEDGER = derived("断点续传的进行状态（工作状态）；上传完成后的音像记录及其文件另有事件")

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads")
    length = models.BigIntegerField("总大小")
    offset = models.BigIntegerField("已接收", default=0)
    metadata = models.TextField(default="{}")
    created_at = models.DateTimeField()
    recording = models.ForeignKey(Recording, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads")

    class Meta:
        verbose_name = verbose_name_plural = "上传"

    def __str__(self) -> str:
        return str(self.id)
