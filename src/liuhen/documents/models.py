"""Typed documents (文书): drafts, finalised versions, corrections, and the signatures on them.

A document is a draft until finalised. A finalised document never changes (the database refuses it); a
correction is a new version that points to the one it corrects and says why. Signatures are records.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from liuhen.core.documents import ATTACHMENT_KINDS, SLOT_LABELS, DocumentType
from liuhen.core.documents.catalogue import BY_CODE, CATALOGUE
from liuhen.ledger.projection import new_salt, projected


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FINAL = "final", "已定稿"


class Document(models.Model):
    LEDGER = projected(
        "document.drafted",
        "document.draft_saved",
        "document.correction_started",
        "document.finalised",
        digest=("data",),
        final_only=("status", "final"),
    )

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="documents", verbose_name="案件")
    doc_type = models.CharField("文书种类", max_length=40, choices=[(t.code, t.name) for t in CATALOGUE])
    version = models.PositiveIntegerField("版本", default=1)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", verbose_name="更正的版本"
    )
    correction_reason = models.TextField("更正理由", blank=True)
    status = models.CharField("状态", max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    data = models.TextField("内容（规范 JSON）", default="{}")
    document_no = models.CharField("文号", max_length=80, blank=True)
    approval = models.ForeignKey(
        "cases.Approval", null=True, blank=True, on_delete=models.PROTECT, related_name="documents", verbose_name="审批"
    )
    content_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_documents", verbose_name="制作人"
    )
    created_at = models.DateTimeField("制作时间")
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="finalised_documents",
        verbose_name="定稿人",
    )
    finalised_at = models.DateTimeField("定稿时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书"
        indexes = [models.Index(fields=["case", "doc_type"], name="document_case_type")]

    def __str__(self) -> str:
        return f"{self.type.name}（第{self.version}版）"

    @property
    def type(self) -> DocumentType:
        return BY_CODE[self.doc_type]

    @property
    def values(self) -> dict[str, Any]:
        return dict(json.loads(self.data))

    @property
    def is_final(self) -> bool:
        return self.status == DocumentStatus.FINAL


class Signature(models.Model):
    LEDGER = projected("document.finalised", personal=("name", "witness_name"), append_only=True)

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signatures", verbose_name="文书")
    slot = models.CharField(
        "签名栏",
        max_length=20,
        choices=[(k.value, v) for k, v in SLOT_LABELS.items()]
        + [("handler", "承办人"), ("reviewer", "审核人"), ("approver", "批准人")],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_signatures",
        verbose_name="签名人（系统用户）",
    )
    name = models.CharField("签名人", max_length=50)
    certificate_no = models.CharField("执法证号", max_length=40, blank=True)
    opinion = models.TextField("意见", blank=True)
    refused = models.BooleanField("拒绝签名", default=False)
    refusal_reason = models.TextField("拒签理由", blank=True)
    witness_name = models.CharField("见证人", max_length=50, blank=True)
    signed_at = models.DateTimeField("时间")
    ledger_salt = models.CharField(max_length=32, default=new_salt, editable=False)  # commitment key, never ledgered

    class Meta:
        verbose_name = verbose_name_plural = "签名"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_slot_display()} {self.name}"

    def record(self) -> dict[str, Any]:
        """What the signature says, as hashed into the finalised document and shown on pages and in the API."""
        return {
            "slot": self.slot,
            "name": self.name,
            "certificate_no": self.certificate_no,
            "opinion": self.opinion,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "witness": self.witness_name,
        }


class Attachment(models.Model):
    """A file kept with a document: the screenshot or photo of an online application (S1), the mail receipts of a
    service by post (SV3), the notice of a service by public notice (SV6). Added to a draft; its name, kind, hash
    and size are covered by the document's content hash when it is finalised. A record."""

    LEDGER = projected("document.attachment_added", append_only=True)

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="attachments", verbose_name="文书")
    blob = models.ForeignKey(
        "media.Blob", on_delete=models.PROTECT, related_name="document_attachments", verbose_name="文件"
    )
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField(
        "附件种类", max_length=30, blank=True, choices=list(ATTACHMENT_KINDS.items()), help_text="送达附件（SV3、SV6）"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_attachments", verbose_name="添加人"
    )
    added_at = models.DateTimeField("添加时间")

    class Meta:
        verbose_name = verbose_name_plural = "文书附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}" if self.kind else self.name

    def record(self) -> dict[str, Any]:
        out = {"name": self.name, "sha256": self.blob_id, "size": self.blob.size}
        if self.kind:  # rules SV3, SV6: what the file is, for the service method's checks
            out["kind"] = self.kind
        return out


class Rendition(models.Model):
    """The files a finalised document was issued as: its PDF/A and DOCX, rendered once from the finalised content
    and kept as content-addressed blobs. Every later download, preview or copy serves these bytes; a correction
    is a new document with its own rendition. A record."""

    LEDGER = projected("document.rendered", append_only=True)

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="rendition", verbose_name="文书")
    content_sha256 = models.CharField("所依定稿内容的哈希", max_length=64)
    pdf = models.ForeignKey("media.Blob", on_delete=models.PROTECT, related_name="document_pdfs", verbose_name="PDF")
    docx = models.ForeignKey("media.Blob", on_delete=models.PROTECT, related_name="document_docx", verbose_name="DOCX")
    rendered_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = verbose_name_plural = "定稿文书文件"

    def __str__(self) -> str:
        return f"{self.document}：PDF {self.pdf_id[:12]}"
