"""The content security policy allows only our own stylesheet and scripts: no inline style or script."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "liuhen"


def test_no_inline_styles_or_scripts_in_served_templates() -> None:
    for path in TEMPLATES.rglob("templates/**/*.html"):
        if path.name == "print.html":  # rendered to PDF on the server, never served to a browser
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'\sstyle="', text), f"{path.name}: inline style is blocked by the CSP"
        assert not re.search(r"<script>(?!\s*</script>)", text), f"{path.name}: inline script is blocked by the CSP"
