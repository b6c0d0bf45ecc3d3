"""Rules I2, I7, S7 document types and the attachments kept with a document (SV3, SV6), append-only (R8)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from liuhen.ledger.triggers import protect, protect_final


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_append_only"),
        ("media", "0005_interruption_notes_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="doc_type",
            field=models.CharField(
                choices=[
                    ("duty_log", "值班记录"),
                    ("non_filing_notice", "不予立案告知书"),
                    ("filing_approval", "立案审批表"),
                    ("inquiry_transcript", "询问笔录"),
                    ("inspection_transcript", "现场检查笔录"),
                    ("survey_transcript", "勘验笔录"),
                    ("evidence_request", "调取证据通知书"),
                    ("preservation_list", "证据登记保存清单"),
                    ("sampling_voucher", "抽样取证凭证"),
                    ("appraisal_commission", "鉴定委托书"),
                    ("appraisal_opinion", "鉴定意见书"),
                    ("examination_record", "检测、检验、专家评审结果记录"),
                    ("refusal_record", "拒绝配合调查记录"),
                    ("recusal_application", "回避申请记录"),
                    ("recusal_decision", "回避决定书"),
                    ("penalty_notice", "行政处罚告知书"),
                    ("statement_transcript", "陈述申辩笔录（含复核意见）"),
                    ("hearing_rights_notice", "听证告知书"),
                    ("hearing_notification", "听证通知书"),
                    ("hearing_transcript", "听证笔录"),
                    ("hearing_report", "听证报告"),
                    ("investigation_report", "案件调查报告（处理呈批）"),
                    ("legal_review_opinion", "法制审核意见书"),
                    ("expert_opinion", "专家论证意见"),
                    ("collective_discussion", "集体讨论记录"),
                    ("penalty_decision", "行政处罚决定书"),
                    ("onsite_penalty_decision", "当场行政处罚决定书"),
                    ("compulsion_decision", "行政强制措施决定书"),
                    ("seizure_list", "查封扣押清单"),
                    ("onsite_transcript", "现场笔录"),
                    ("extension_decision", "延长查封扣押期限决定书"),
                    ("lift_decision", "解除查封扣押决定书"),
                    ("rectification_order", "责令限期整改指令书"),
                    ("rectification_check", "整改复查意见书"),
                    ("delivery_receipt", "送达回证"),
                    ("demand_notice", "催告书"),
                    ("enforcement_decision", "行政强制执行决定书"),
                    ("substitute_performance_decision", "代履行决定书"),
                    ("court_application", "强制执行申请书"),
                    ("closing_approval", "结案审批表"),
                    ("av_explanation", "音像资料文字说明"),
                ],
                max_length=40,
                verbose_name="文书种类",
            ),
        ),
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("mail_registration", "邮寄送达登记"),
                            ("postage_receipt", "付邮凭证"),
                            ("return_receipt", "邮寄回执"),
                            ("notice_copy", "书面公告（留存件）"),
                        ],
                        max_length=30,
                        verbose_name="附件种类",
                    ),
                ),
                ("file_name", models.CharField(max_length=255, verbose_name="文件名")),
                ("added_at", models.DateTimeField(verbose_name="上传时间")),
                (
                    "added_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="document_attachments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="上传人",
                    ),
                ),
                (
                    "blob",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="media.blob",
                        verbose_name="文件",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="documents.document",
                        verbose_name="文书",
                    ),
                ),
            ],
            options={
                "verbose_name": "文书附件",
                "verbose_name_plural": "文书附件",
                "ordering": ["id"],
            },
        ),
        protect("documents_attachment"),
        protect_final("documents_document", "status", "final"),
    ]
