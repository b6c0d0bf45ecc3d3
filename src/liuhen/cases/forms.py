from __future__ import annotations

from typing import Any

from django import forms

from liuhen.accounts.models import Role, Unit, User
from liuhen.cases.models import PROCEDURE_CHOICES, ActKind, ApprovalKind, CaseSource
from liuhen.cases.services import COMMAND_ACTS, DOCUMENT_ACTS
from liuhen.core.penalties import PartyKind


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
    officers = forms.ModelMultipleChoiceField(
        label="承办执法人员（至少2名持证）",
        required=False,
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    party_kind = forms.ChoiceField(
        label="当事人类型", choices=[(PartyKind.ORGANISATION.value, "单位"), (PartyKind.INDIVIDUAL.value, "个人")]
    )
    party_name = forms.CharField(label="当事人姓名/名称", max_length=120, required=False)
    party_id_number = forms.CharField(label="身份证号/统一社会信用代码", max_length=40, required=False)
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
        self.fields["officers"].queryset = officers.order_by("unit", "username")  # type: ignore[attr-defined]


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
