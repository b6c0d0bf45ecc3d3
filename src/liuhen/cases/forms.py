from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from liuhen.accounts.models import Role, Unit, User
from liuhen.cases.models import PROCEDURE_CHOICES, ActKind, ApprovalKind, CaseSource
from liuhen.cases.services import COMMAND_ACTS, DOCUMENT_ACTS
from liuhen.core.penalties import PartyKind


class OfficerChoice(forms.ModelMultipleChoiceField):
    """An officer as the picker shows him: name, unit, certificate and its validity (I1 needs two certified)."""

    def label_from_instance(self, obj: Any) -> str:
        cert = obj.valid_certificate(timezone.localdate())
        unit = obj.unit.name if obj.unit_id else "未分配单位"
        held = f"执法证 {cert.certificate_no}，有效至 {cert.valid_to:%Y-%m-%d}" if cert else "无有效执法证"
        return f"{obj.display_name}（{unit}；{held}）"


class CaseForm(forms.Form):
    procedure = forms.ChoiceField(label="程序", choices=PROCEDURE_CHOICES)
    cause = forms.CharField(label="案由", max_length=200)
    source = forms.ChoiceField(label="案源", choices=CaseSource.choices)
    unit = forms.ModelChoiceField(label="承办单位", queryset=Unit.objects.none())
    summary = forms.CharField(label="简要案情", widget=forms.Textarea, required=False)
    is_major = forms.BooleanField(label="重大执法决定（须法制审核、集体讨论）", required=False)
    penalty_kind = forms.ChoiceField(
        label="拟处罚种类（简易程序必填）",
        required=False,
        choices=[("", "——"), ("warning", "警告"), ("fine", "罚款"), ("other", "其他")],
    )
    fine_amount = forms.DecimalField(label="罚款金额（元）", required=False, min_value=0, decimal_places=2)
    violation_ended_on = forms.DateField(
        label="违法行为发生日期（连续或继续状态的填终了日期；处罚案件立案前须填写）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    serious_harm = forms.BooleanField(label="涉及生命健康、金融安全且有危害后果（追责时效5年）", required=False)
    violation_at = forms.DateTimeField(
        label="违法时间（发现或查明的违法行为发生时间）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "违法时间格式应为 YYYY-MM-DD HH:MM"},
    )
    violation_place = forms.CharField(label="违法地点", max_length=200, required=False)
    officers = OfficerChoice(
        label="承办执法人员（至少2名持有效执法证，按单位列出）",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "officer-picker"}),
    )
    lead_officer = forms.ModelChoiceField(
        label="主办人员（从所选承办人员中指定）", required=False, queryset=User.objects.none(), empty_label="——"
    )
    party_kind = forms.ChoiceField(
        label="当事人类型", choices=[(PartyKind.ORGANISATION.value, "单位"), (PartyKind.INDIVIDUAL.value, "个人")]
    )
    party_name = forms.CharField(label="当事人姓名/名称", max_length=120, required=False)
    party_id_number = forms.CharField(label="身份证号/统一社会信用代码", max_length=40, required=False)
    party_legal_representative = forms.CharField(label="法定代表人/负责人（单位当事人）", max_length=50, required=False)
    party_address = forms.CharField(label="住所/地址", max_length=200, required=False)
    party_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(agency=user.agency) if user.agency else Unit.objects.none()
        officers = (
            User.objects.filter(agency=user.agency, role__in=[Role.OFFICER, Role.UNIT_HEAD])
            if user.agency
            else User.objects.none()
        )
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["unit"].initial = user.unit_id
        listed = officers.select_related("unit").prefetch_related("certificates").order_by("unit", "username")
        self.fields["officers"].queryset = listed  # type: ignore[attr-defined]
        self.fields["lead_officer"].queryset = listed  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """The 主办 is named, never guessed: one of the officers chosen, who is then listed first (the lead)."""
        data = super().clean() or {}
        chosen, lead = list(data.get("officers") or []), data.get("lead_officer")
        if chosen and lead is None:
            self.add_error("lead_officer", "请从所选承办人员中指定主办人员")
        elif lead is not None and lead not in chosen:
            self.add_error("lead_officer", f"主办人员 {lead.display_name} 须是所选承办人员之一")
        elif lead is not None:
            data["officers"] = [lead, *(o for o in chosen if o.pk != lead.pk)]
        return data


class ActForm(forms.Form):
    """Commands without a document of their own, and notes. A kind a document records is still accepted here so
    that the service refuses it naming the document to make (the form offers only the others)."""

    kind = forms.ChoiceField(label="记录事项", choices=ActKind.choices)
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    occurred_at = forms.DateTimeField(
        label="发生时间（事后补录时填写）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    backfill_reason = forms.CharField(label="补录理由", max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [(k, label) for k, label in ActKind.choices if k not in DOCUMENT_ACTS and k not in COMMAND_ACTS]
        self.fields["kind"].widget.choices = offered


class ApprovalForm(forms.Form):
    # officer assignment is proposed with the person named (cases.approvals.propose_officer), not from this form
    kind = forms.ChoiceField(
        label="审批事项", choices=[c for c in ApprovalKind.choices if c[0] != ApprovalKind.OFFICER_ASSIGNMENT]
    )
    opinion = forms.CharField(label="承办人意见", widget=forms.Textarea(attrs={"rows": 2}))


class SignForm(forms.Form):
    opinion = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 2}))
    agree = forms.TypedChoiceField(label="结论", coerce=lambda v: v == "1", choices=[("1", "同意"), ("0", "不同意")])
