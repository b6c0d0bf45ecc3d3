"""Cases, parties, assigned officers, recorded acts and the 承办→审核→批准 approval chain (D9).

A case's stage changes only through ``liuhen.cases.services.transition``; every change here is written
with its ledger event in the same transaction. Parties, acts and approval steps are records: the
database refuses to update or delete them (rule R8).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver

from liuhen.core import stages
from liuhen.core.penalties import PartyKind, PenaltyKind
from liuhen.ledger.projection import derived, new_salt, projected

PROCEDURE_CHOICES = [(p.value, stages.PROCEDURE_LABELS[p]) for p in stages.Procedure]
STAGE_CHOICES = [(s.value, stages.STAGE_LABELS[s]) for s in stages.Stage]


class CaseSource(models.TextChoices):
    INSPECTION = "inspection", "检查发现"
    COMPLAINT = "complaint", "投诉举报"
    REFERRAL = "referral", "移送"
    ASSIGNED = "assigned", "上级交办"
    APPLICATION = "application", "当事人申请"
    OTHER = "other", "其他"


class Case(models.Model):
    LEDGER = projected(
        "case.created",
        "case.transition",
        "case.marked_major",
        "case.violation_recorded",
        "approval.approver_signed",  # the approved 立案 gives the case its 罚 number
        personal=("summary", "violation_place"),
    )  # the summary: free text naming people; the place: an individual's home, say

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="cases", verbose_name="机关")
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="cases", verbose_name="承办单位")
    # the number the case goes by now: a 一般程序 case is registered with its 案源登记号 (intake_no) and takes
    # its 罚 number when 立案 is approved (numbered_at); the other procedures are numbered at registration
    case_no = models.CharField("案号", max_length=80, unique=True)
    intake_no = models.CharField("案源登记号", max_length=80, blank=True)
    numbered_at = models.DateTimeField("立案编号时间", null=True, blank=True)
    procedure = models.CharField("程序", max_length=32, choices=PROCEDURE_CHOICES)
    stage = models.CharField("阶段", max_length=32, choices=STAGE_CHOICES)
    cause = models.CharField("案由", max_length=200)
    source = models.CharField("案源", max_length=20, choices=CaseSource.choices, default=CaseSource.INSPECTION)
    summary = models.TextField("简要案情", blank=True)
    is_major = models.BooleanField("重大执法决定", default=False)
    penalty_kind = models.CharField(
        "拟处罚种类",
        max_length=20,
        blank=True,
        choices=[
            (k.value, lbl)
            for k, lbl in ((PenaltyKind.WARNING, "警告"), (PenaltyKind.FINE, "罚款"), (PenaltyKind.OTHER, "其他"))
        ],
    )
    fine_amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    extensions = models.PositiveSmallIntegerField("延长次数", default=0)
    # rule S6 (处罚法36): the limitation runs from the day the violation ended (continuing ones: when they stopped)
    violation_ended_on = models.DateField(
        "违法行为发生（终了）日期", null=True, blank=True, help_text="S6：连续或继续状态的，填写行为终了之日"
    )
    serious_harm = models.BooleanField(
        "涉及公民生命健康安全、金融安全且有危害后果", default=False, help_text="S6：追责时效为5年"
    )
    # 违法时间、违法地点: as found at 案源登记; the documents' 违法事实 and transcripts start from them
    violation_at = models.DateTimeField("违法时间", null=True, blank=True)
    violation_place = models.CharField("违法地点", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间")
    stage_changed_at = models.DateTimeField("阶段变更时间")
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        indexes = [
            models.Index(fields=["agency", "stage"], name="case_agency_stage"),
            # the lists' order (newest first) within each part of a scope, and with the filters people use
            models.Index(fields=["agency", "-created_at", "-id"], name="case_agency_created"),
            models.Index(fields=["unit", "-created_at", "-id"], name="case_unit_created"),
            models.Index(fields=["-created_at", "-id"], name="case_created"),
            models.Index(fields=["agency", "procedure", "stage", "-created_at"], name="case_agency_proc_stage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["intake_no"], condition=~models.Q(intake_no=""), name="case_intake_no_unique"
            )
        ]

    def __str__(self) -> str:
        return self.case_no

    @property
    def awaiting_number(self) -> bool:
        """Registered with a 案源登记号 and not yet given its case number (立案 not yet approved)."""
        return bool(self.intake_no) and self.case_no == self.intake_no

    def number_at(self, at: Any) -> str:
        """The number the case went by at ``at``: its 案源登记号 before 立案 was approved, its case number after
        (a document shows the number in force when it was finalised)."""
        if self.intake_no and self.numbered_at is not None and at is not None and at < self.numbered_at:
            return self.intake_no
        return self.case_no

    @property
    def procedure_enum(self) -> stages.Procedure:
        return stages.Procedure(self.procedure)

    @property
    def stage_enum(self) -> stages.Stage:
        return stages.Stage(self.stage)


def by_number(number: str) -> models.Q:
    """A case named by the number it goes by or by the 案源登记号 it was registered under (brackets as stored)."""
    number = number.strip()
    return models.Q(case_no=number) | models.Q(intake_no=number)


class CaseNumberCounter(models.Model):
    LEDGER = derived("下一个可用的序号：每个已发的案号、文书号都载于其事件，重复的号码由唯一约束拒绝")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="case_counters")
    kind = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "kind", "year"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.kind}{self.year}:{self.last}"


class Party(models.Model):
    """当事人. ``id_number``, ``phone`` and ``address`` are personal data: masked when shown."""

    PERSONAL_DATA = ("id_number", "phone", "address")
    LEDGER = projected(
        "case.created", personal=("name", "id_number", "legal_representative", "address", "phone"), append_only=True
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties", verbose_name="案件")
    kind = models.CharField(
        "类型", max_length=20, choices=[(PartyKind.INDIVIDUAL.value, "个人"), (PartyKind.ORGANISATION.value, "单位")]
    )
    name = models.CharField("姓名/名称", max_length=120)
    id_number = models.CharField(
        "身份证号/统一社会信用代码", max_length=40, blank=True, help_text="个人信息，展示时脱敏"
    )
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    address = models.CharField("住所/地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField("登记时间")
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "当事人"

    def __str__(self) -> str:
        return self.name


class CaseOfficer(models.Model):
    """An officer working on a case. The case's unit and registration time are repeated on the row (a case never
    changes either), so a person's own cases are one index range in list order: ``mine``, and the own cases of
    other units in a unit's scope, without reading the cases. Verify expects them equal to the case's."""

    LEDGER = projected(
        "case.created",
        "case.officer_assigned",
        copies={
            "case_unit_id": ("case_id", "cases_case", "unit_id"),
            "case_created_at": ("case_id", "cases_case", "created_at"),
        },
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="officers", verbose_name="案件")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_roles", verbose_name="执法人员"
    )
    is_lead = models.BooleanField("主办", default=False)
    case_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name="案件的承办单位"
    )
    case_created_at = models.DateTimeField("案件的登记时间")

    class Meta:
        verbose_name = verbose_name_plural = "承办人员"
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_officer_unique")]
        # a user's own cases, newest first, with their unit (an index-only read of the cases of other units)
        indexes = [
            models.Index(fields=["user", "-case_created_at", "-case", "case_unit"], name="case_officer_user_created")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class ActKind(models.TextChoices):
    """What happened on a case. Kinds that a document records (``DOCUMENT_ACTS`` in the services) are written only
    by finalising that document; the rest are commands with their own checks, and ``note`` is a plain remark."""

    EMERGENCY_START = "emergency_start", "紧急情况记录（先行启动）"
    DUTY_LOG = "duty_log", "值班记录"
    COMPLAINANT_NOTICE = "complainant_notice", "告知投诉人、举报人"
    INVESTIGATION_REPORT = "investigation_report", "案件调查报告（处理呈批）"
    RIGHTS_NOTICE = "rights_notice", "行政处罚告知（权利告知）已送达"
    HEARING_REQUEST = "hearing_request", "当事人申请听证"
    HEARING = "hearing", "举行听证"
    LEGAL_REVIEW = "legal_review", "法制审核意见"
    COLLECTIVE_DISCUSSION = "collective_discussion", "集体讨论记录"
    DELIVERY = "delivery", "决定书送达（送达回证）"
    PERFORMANCE = "performance", "履行情况记录"
    STATEMENT = "statement", "陈述申辩及复核记录"
    APPLICATION_REGISTRATION = "application_registration", "申请登记"
    RECEIPT = "receipt", "出具受理凭证"
    SUPPLEMENT_NOTICE = "supplement_notice", "一次性告知补正"
    REFUSAL_NOTICE = "refusal_notice", "不予受理决定"
    EMERGENCY_MEASURE_REPORT = "emergency_measure_report", "紧急实施强制措施报告"
    EXTENSION_NOTICE = "extension_notice", "延长期限告知"
    LIFT_DECISION = "lift_decision", "解除强制措施决定"
    INSPECTION_TRANSCRIPT = "inspection_transcript", "现场检查笔录"
    RECTIFICATION_ORDER = "rectification_order", "责令限期整改指令书"
    RECTIFICATION_CHECK = "rectification_check", "整改复查意见"
    RIGHTS_WAIVER = "rights_waiver", "当事人书面放弃陈述、申辩、听证权利"
    PRESERVATION = "preservation", "证据先行登记保存"
    HEARING_NOTICE = "hearing_notice", "听证通知已送达"
    DEMAND_NOTICE = "demand_notice", "催告书已送达"
    COURT_APPLICATION = "court_application", "申请法院强制执行"
    AV_OMISSION = "av_omission", "不进行音像记录的理由（易燃易爆、涉密场所等）"
    PUBLIC_NOTICE = "public_notice", "公告送达（公告发布）"
    RECONSIDERATION = "reconsideration", "当事人申请行政复议"
    LITIGATION = "litigation", "当事人提起行政诉讼"
    NOTE = "note", "办案备注"


class CaseAct(models.Model):
    LEDGER = projected("case.act_recorded", append_only=True)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="acts", verbose_name="案件")
    kind = models.CharField("事项", max_length=40, choices=ActKind.choices)
    note = models.TextField("说明", blank=True)
    occurred_at = models.DateTimeField("发生时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_acts", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间")
    backfill_reason = models.TextField("补录理由", blank=True, help_text="事后补录（发生时间早于记录时间）须说明理由")

    class Meta:
        verbose_name = verbose_name_plural = "办案记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.case_id}）"

    @property
    def is_backfill(self) -> bool:
        return bool(self.backfill_reason)


class ApprovalKind(models.TextChoices):
    FILING = "filing", "立案审批"
    NON_FILING = "non_filing", "不予立案审批"
    DECISION = "decision", "处理决定审批"
    LICENCE_DECISION = "licence_decision", "许可决定审批"
    COMPULSION = "compulsion", "行政强制措施审批"
    CLOSING = "closing", "结案审批"
    OFFICER_ASSIGNMENT = "officer_assignment", "指派承办人员审批"
    EXTENSION = "extension", "延长强制措施期限审批"  # rule I4 (强制法25): a new approval by the agency head


class ApprovalStatus(models.TextChoices):
    REVIEWING = "reviewing", "待审核"
    APPROVING = "approving", "待批准"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未通过"


class Approval(models.Model):
    """One run of the 承办人 → 审核人 → 批准人 chain (rule D9). Its steps are immutable records."""

    LEDGER = projected("approval.proposed", "approval.reviewer_signed", "approval.approver_signed")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals", verbose_name="案件")
    kind = models.CharField("审批事项", max_length=20, choices=ApprovalKind.choices)
    status = models.CharField("状态", max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.REVIEWING)
    late = models.BooleanField("逾期补报", default=False, help_text="S3：紧急启动后超过24小时才补报")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignment_approvals",
        verbose_name="拟指派的承办人员",
        help_text="指派承办人员审批：承办单位以外的人员经审核、批准后承办本案（D9）",
    )
    created_at = models.DateTimeField("提交时间")
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审批"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"


class StepRole(models.TextChoices):
    HANDLER = "handler", "承办人"
    REVIEWER = "reviewer", "审核人"
    APPROVER = "approver", "批准人"


class ApprovalStep(models.Model):
    LEDGER = projected("approval.proposed", "approval.reviewer_signed", "approval.approver_signed", append_only=True)

    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="steps", verbose_name="审批")
    role = models.CharField("环节", max_length=20, choices=StepRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_steps", verbose_name="签署人"
    )
    agree = models.BooleanField("同意")
    opinion = models.TextField("意见")
    signed_name = models.CharField("签名", max_length=50)
    signed_at = models.DateTimeField("签署时间")

    class Meta:
        verbose_name = verbose_name_plural = "审批意见"
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.signed_name}"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class AccessRequest(models.Model):
    """调阅申请 (R9): reading a case outside one's scope, approved by whoever may approve on that case. Each
    step is a ledger event; an approved request lets its requester read the case until ``expires_at``."""

    LEDGER = projected("access.requested", "access.decided")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_requests", verbose_name="案件")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests", verbose_name="申请人"
    )
    purpose = models.CharField("调阅目的", max_length=200)
    requested_at = models.DateTimeField("申请时间")
    status = models.CharField(
        "状态", max_length=20, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_decisions",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "调阅申请"
        indexes = [models.Index(fields=["requested_by", "status"], name="access_request_user")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_status_display()}"


@receiver(pre_save, sender=CaseOfficer)
def _copy_from_case(sender: type[CaseOfficer], instance: CaseOfficer, raw: bool, **kwargs: Any) -> None:
    """A 承办人员 row takes its case's unit and registration time. Loading rows as they were stored (``raw``, a
    restored backup) fills them only where a backup of an older version lacks them."""
    if not raw:
        instance.case_unit_id, instance.case_created_at = instance.case.unit_id, instance.case.created_at
    elif instance.case_unit_id is None or instance.case_created_at is None:
        unit_id, created_at = Case.objects.filter(pk=instance.case_id).values_list("unit_id", "created_at").get()
        instance.case_unit_id, instance.case_created_at = unit_id, created_at
