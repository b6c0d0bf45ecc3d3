"""Rules DV1, DV2, R16, AV6, AV11, AV12: device checks and reviews, triage, third-party makers, omissions.

Adding a column to an append-only table may rebuild it on SQLite, so the triggers are installed again (R8)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from liuhen.ledger.triggers import protect


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_access_requests"),
        ("documents", "0004_rules_partial_attachment_kinds_and_types"),
        ("media", "0005_interruption_notes_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="devicelog",
            name="battery_ok",
            field=models.BooleanField(blank=True, help_text="DV1：使用前检查", null=True, verbose_name="电量充足"),
        ),
        migrations.AddField(
            model_name="devicelog",
            name="storage_ok",
            field=models.BooleanField(blank=True, help_text="DV1：使用前检查", null=True, verbose_name="存储空间充足"),
        ),
        migrations.AddField(
            model_name="interruptionnote",
            name="cannot_continue",
            field=models.BooleanField(
                default=False, help_text="AV12：立即报告主管人员", verbose_name="确实无法继续记录"
            ),
        ),
        migrations.AddField(
            model_name="interruptionnote",
            name="reported_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="interruption_reports",
                to=settings.AUTH_USER_MODEL,
                verbose_name="报告的主管人员（AV12）",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="contractor",
            field=models.CharField(
                blank=True, help_text="R16", max_length=120, verbose_name="制作方（购买服务的第三方）"
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="device_review",
            field=models.CharField(
                blank=True,
                choices=[("pending", "待审定"), ("accepted", "采用"), ("rejected", "不予采用")],
                max_length=10,
                verbose_name="设备问题审定",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="device_review_reason",
            field=models.TextField(blank=True, verbose_name="审定理由"),
        ),
        migrations.AddField(
            model_name="recording",
            name="device_reviewed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审定时间"),
        ),
        migrations.AddField(
            model_name="recording",
            name="device_reviewed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="device_reviews",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审定人",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="device_status",
            field=models.CharField(
                blank=True, help_text="DV1：故障、报废设备的录像须经审定", max_length=20, verbose_name="录制时设备状态"
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="precheck",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="recordings",
                to="media.devicelog",
                verbose_name="使用前检查（DV1）",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="supervising_officer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="supervised_recordings",
                to=settings.AUTH_USER_MODEL,
                verbose_name="监督的执法人员（R16）",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="triage",
            field=models.CharField(
                blank=True,
                choices=[("private_use", "与执法无关（私用）"), ("no_case", "执法活动，未立案")],
                help_text="DV2",
                max_length=20,
                verbose_name="未归案录像的核查结论",
            ),
        ),
        migrations.AddField(
            model_name="recording",
            name="triage_note",
            field=models.TextField(blank=True, verbose_name="核查说明"),
        ),
        migrations.AddField(
            model_name="recording",
            name="triaged_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="核查时间"),
        ),
        migrations.AddField(
            model_name="recording",
            name="triaged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="triaged_recordings",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="AVOmission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("flammable", "易燃易爆场所（含危险化学品场所）"),
                            ("classified", "涉密场所"),
                            ("unsuitable", "不适宜音像记录（仅限勘验、抽样、听证）"),
                        ],
                        max_length=20,
                        verbose_name="理由",
                    ),
                ),
                ("note", models.TextField(verbose_name="情况说明")),
                ("requested_at", models.DateTimeField(verbose_name="申请时间")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "待审批"), ("approved", "已批准"), ("refused", "不予批准")],
                        default="pending",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="审批时间")),
                ("opinion", models.TextField(blank=True, verbose_name="审批意见")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="av_omissions",
                        to="cases.case",
                        verbose_name="案件",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="av_omission_decisions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审批人",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="av_omissions",
                        to="documents.document",
                        verbose_name="执法活动（文书）",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="av_omissions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "不予音像记录的审批（AV6）",
                "verbose_name_plural": "不予音像记录的审批（AV6）",
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="RecordingReview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("party_told", models.BooleanField(verbose_name="已告知当事人开始录制（I5）")),
                ("opening_statement", models.BooleanField(verbose_name="开始时已说明时间、地点、人员、事项（AV8）")),
                ("scene", models.BooleanField(verbose_name="执法现场环境（AV11）")),
                ("people", models.BooleanField(verbose_name="现场有关人员的体貌特征和言行举止（AV11）")),
                ("key_items", models.BooleanField(verbose_name="重要涉案物品及其主要特征（AV11）")),
                ("measures", models.BooleanField(verbose_name="对人员、财物采取措施的情况（AV11）")),
                ("documents_served", models.BooleanField(verbose_name="现场制作、送达文书的情况（AV11）")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("reviewed_at", models.DateTimeField(verbose_name="回放审查时间")),
                (
                    "recording",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="media.recording",
                        verbose_name="音像记录",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recording_reviews",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "音像记录回放审查",
                "verbose_name_plural": "音像记录回放审查",
                "ordering": ["id"],
            },
        ),
        protect("media_devicelog", "media_interruptionnote", "media_recordingreview"),
    ]
