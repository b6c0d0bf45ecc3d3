"""Confidentiality marks (R11) and copy requests (R10, R12). Marks and decisions are records."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from liuhen.accounts.models import Role
from liuhen.ledger.projection import new_salt, projected


class Mark(models.TextChoices):
    NONE = "none", "不涉密"
    STATE_SECRET = "state_secret", "国家秘密"
    TRADE_SECRET = "trade_secret", "商业秘密"
    PERSONAL_PRIVACY = "personal_privacy", "个人隐私"


class ConfidentialityMark(models.Model):
    """The newest mark of a case, document or recording is the one in force; earlier ones stay on record."""

    LEDGER = projected("record.marked", append_only=True)

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="marks")
    subject_type = models.CharField(
        max_length=20, choices=[("case", "案件"), ("document", "文书"), ("recording", "音像记录")]
    )
    subject_id = models.BigIntegerField()
    mark = models.CharField("密级/保护类别", max_length=20, choices=Mark.choices)
    reason = models.TextField("理由")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="marks_set")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "保密标识"
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="mark_subject")]

    def __str__(self) -> str:
        return self.get_mark_display()

    @property
    def subject_label(self) -> str:
        """What the mark is on, in words: the whole case, a document by its type, a recording by its file."""
        if self.subject_type == "document":
            doc = self.case.documents.filter(pk=self.subject_id).first()
            return f"文书：{doc.type.name}（第{doc.version}版）" if doc else f"文书 #{self.subject_id}"
        if self.subject_type == "recording":
            rec = self.case.recordings.filter(pk=self.subject_id).first()
            return f"音像：{rec.file_name}" if rec else f"音像记录 #{self.subject_id}"
        return "整个案件"


class RequesterKind(models.TextChoices):
    PARTY = "party", "当事人"
    COURT = "court", "人民法院"
    RECONSIDERATION = "reconsideration", "行政复议机关"


class CopyStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    PREPARING = "preparing", "已批准，正在生成复制件"
    APPROVED = "approved", "已批准（已提供复制件）"
    FAILED = "failed", "复制件生成失败"
    REFUSED = "refused", "不予复制"


class CopyRequest(models.Model):
    LEDGER = projected(
        "copy.requested",
        "copy.decided",
        "copy.provided",
        "copy.failed",
        "copy.retried",
        personal=("requester_name",),
        digest=("manifest",),
        exempt={
            "progress_done": "生成复制件的进度（工作状态，供进度条）",
            "progress_total": "生成复制件的总量（工作状态，供进度条）",
        },
    )

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="copy_requests")
    requester_kind = models.CharField("申请人类别", max_length=20, choices=RequesterKind.choices)
    requester_name = models.CharField("申请人", max_length=120)
    reason = models.TextField("申请事由")
    status = models.CharField("状态", max_length=20, choices=CopyStatus.choices, default=CopyStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="copy_requests")
    requested_at = models.DateTimeField()
    package_sha256 = models.CharField(max_length=64, blank=True)
    manifest = models.TextField(blank=True)
    provided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="copies_provided"
    )
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    failure = models.TextField(blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "复制申请"

    def __str__(self) -> str:
        return f"{self.requester_name} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return min(100, self.progress_done * 100 // self.progress_total) if self.progress_total else 0


class CopyDecision(models.Model):
    """One signature on a copy request: the handling unit's head (R10), and for a court or a reconsideration
    body also the legal unit (R12: provided jointly)."""

    LEDGER = projected("copy.decided", append_only=True)

    request = models.ForeignKey(CopyRequest, on_delete=models.PROTECT, related_name="decisions")
    role = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="copy_decisions")
    approve = models.BooleanField()
    reason = models.TextField("意见")
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "复制审批意见"

    def __str__(self) -> str:
        return f"{self.role_label} {'同意' if self.approve else '不同意'}"

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role


class ViewerKind(models.TextChoices):
    PARTY = "party", "当事人"
    INTERESTED = "interested", "利害关系人"


class ViewChannel(models.TextChoices):
    """信息公开条例31: when a request counts as received depends on how it came in."""

    IN_PERSON = "in_person", "当面提交"
    MAIL = "mail", "邮寄（以签收之日为收到之日）"
    ONLINE = "online", "网络（以确认之日为收到之日）"


class ViewStatus(models.TextChoices):
    PENDING = "pending", "待答复"
    EXTENDED = "extended", "已延长答复期限"
    REPLIED = "replied", "已答复"


class ViewReply(models.TextChoices):
    GRANTED = "granted", "同意查阅"
    PARTLY = "partly", "部分同意查阅"
    REFUSED = "refused", "不予查阅"
    NOT_HELD = "not_held", "本机关未制作或保存该记录"


class ViewRequest(models.Model):
    """查阅申请 (R15, 003 第十八条): a party or an interested party asks to view the records of a case; handled
    under the 政府信息公开 rules and their reply periods (信息公开条例33). Every step is a ledger event, carrying
    the row; the applicant's name and stated relation only as salted commitments."""

    LEDGER = projected(
        "view_request.received",
        "view_request.extended",
        "view_request.replied",
        personal=("applicant_name", "relation"),
    )

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="view_requests")
    applicant_kind = models.CharField("申请人类别", max_length=20, choices=ViewerKind.choices)
    applicant_name = models.CharField("申请人", max_length=120)
    relation = models.TextField("与案件的利害关系", blank=True)
    records = models.TextField("申请查阅的记录")
    channel = models.CharField("申请方式", max_length=20, choices=ViewChannel.choices)
    received_at = models.DateTimeField("收到申请时间")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="view_requests")
    registered_at = models.DateTimeField("登记时间")
    status = models.CharField("状态", max_length=20, choices=ViewStatus.choices, default=ViewStatus.PENDING)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="view_extensions"
    )
    extended_at = models.DateTimeField("延长时间", null=True, blank=True)
    extension_reason = models.TextField("延长理由及告知申请人情况", blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="view_replies"
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply = models.CharField("答复", max_length=20, choices=ViewReply.choices, blank=True)
    reply_reason = models.TextField("答复理由", blank=True)
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "查阅申请"

    def __str__(self) -> str:
        return f"{self.applicant_name} {self.get_status_display()}"
