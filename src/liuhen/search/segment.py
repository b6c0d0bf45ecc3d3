"""Chinese word segmentation for full-text search (jieba, search mode: a long word also yields its parts).

Text is indexed as its words joined by spaces, so the database's own full-text engine (PostgreSQL ``tsvector``
with the ``simple`` configuration, SQLite FTS5 with ``unicode61``) sees one token per word. A query is segmented
the same way and every word must match, so 市监罚〔2026〕12号, 市监罚[2026]12号 and 市监罚(2026)12号 find the same case.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache

import jieba

jieba.setLogLevel(logging.WARNING)
_LOCK = threading.Lock()
_WORD = re.compile(r"\w", re.UNICODE)
MAX_QUERY_WORDS = 12


@cache
def _tokenizer() -> jieba.Tokenizer:
    with _LOCK:  # the dictionary loads once, whichever thread asks first
        tok = jieba.Tokenizer()
        tok.initialize()
        return tok


def warm() -> None:
    """Load the dictionary now (about 1.4 s of CPU), so that no request pays for it: a serving process calls it
    before it takes requests; otherwise the first case registered in each process loaded it while holding its
    agency's case-number counter, and the other registrations waited."""
    _tokenizer()


def words(text: str) -> list[str]:
    """The words of ``text`` in order, lower-cased, punctuation and spaces dropped, each once."""
    seen: dict[str, None] = {}
    for w in _tokenizer().cut_for_search(text or ""):
        w = w.strip().lower()
        if w and _WORD.search(w):
            seen.setdefault("".join(_WORD.findall(w)), None)
    return list(seen)


def indexed(*texts: str) -> str:
    """What the search table stores for these texts: their words separated by spaces."""
    return " ".join(w for t in texts for w in words(t))


def query_words(q: str) -> list[str]:
    """A query's words (at most ``MAX_QUERY_WORDS``; a longer query is cut, never refused). For a long word jieba
    also yields its parts; the parts are dropped when the whole word is there, so 有限公司 asks for 有限公司."""
    ws = [w for w in _tokenizer().cut(q or "") if w.strip() and _WORD.search(w)]
    out: list[str] = []
    for w in ws:
        w = "".join(_WORD.findall(w.lower()))
        if w and w not in out:
            out.append(w)
    return out[:MAX_QUERY_WORDS]
