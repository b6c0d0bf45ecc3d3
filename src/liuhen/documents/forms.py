"""Forms generated from a document type's schema (Chinese labels; required fields are checked on finalising)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from liuhen.core.documents import DocumentType, FieldKind, FieldSpec, local_minutes, max_chars
from liuhen.web.rule_links import linked, rule_links

_BARE_RULE_IDS = re.compile(r"[A-Z]+\d+(、[A-Z]+\d+)*")


def help_text(spec: FieldSpec) -> str:
    """A field's help in words, never a bare code in a label: a rule id ("E5") becomes a help link to the rule
    ("依据：E5", the rule's text on hover), and ids inside a sentence link the same way."""
    if _BARE_RULE_IDS.fullmatch(spec.help):
        return rule_links(spec.help.split("、"))
    return linked(spec.help)


def _field(spec: FieldSpec) -> forms.Field:
    label = spec.label + (" *" if spec.required else "")
    common: dict[str, Any] = {"label": label, "required": False, "help_text": help_text(spec)}
    match spec.kind:
        case FieldKind.TEXTAREA:
            return forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}), max_length=max_chars(FieldKind.TEXTAREA), **common
            )
        case FieldKind.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case FieldKind.DATETIME:
            return forms.DateTimeField(
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                **common,
            )
        case FieldKind.MONEY:
            return forms.DecimalField(min_value=0, decimal_places=2, **common)
        case FieldKind.INTEGER:
            return forms.IntegerField(min_value=0, **common)
        case FieldKind.CHOICE:
            return forms.ChoiceField(choices=[("", "——"), *spec.choices], **common)
        case FieldKind.BOOL:
            return forms.BooleanField(**common)
    return forms.CharField(max_length=max_chars(FieldKind.TEXT), **common)


def document_form(t: DocumentType, data: Any = None, values: dict[str, Any] | None = None) -> forms.Form:
    fields = {spec.name: _field(spec) for spec in t.fields}
    form_class = type(f"{t.code}_form", (forms.Form,), fields)
    initial = {
        k: (_widget_time(str(v)) if t.field(k).kind == FieldKind.DATETIME else v) for k, v in (values or {}).items()
    }
    return form_class(data, initial=initial, label_suffix="：")


def _widget_time(value: str) -> str:
    """A stored time as the browser's datetime-local field takes it (local, to the minute, no offset): a draft
    saved with an offset in an earlier version reopens with its time instead of an empty field."""
    try:
        return local_minutes(value.replace(" ", "T"))
    except ValueError:
        return value


def form_values(t: DocumentType, cleaned: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in t.fields:
        v = cleaned.get(spec.name)
        if v is None or v == "" or (spec.kind == FieldKind.BOOL and v is False and not spec.required):
            continue
        out[spec.name] = v.isoformat() if hasattr(v, "isoformat") else v
    return out
