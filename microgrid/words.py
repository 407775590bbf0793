"""The languages microgrid speaks: the one ``lang`` check, and the library's words per language.

``check_lang`` is the one check of a ``lang`` argument, and ``LANGUAGES`` the one list; the
library's words are here (``words(lang, part)``, ``part`` the module that speaks: ``"explain"``);
each walkthrough keeps its own ``TEXT`` table beside its derivation and reads it through
``check_lang`` too. The maths (symbols, numbers, node names) is never translated, only the
words around it. Chinese uses the seeds' terms: 正向传播 (forward pass),
反向传播 (backward pass), 链式法则 (chain rule), 学习率 (learning rate).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The languages every table speaks, English first (the default).
LANGUAGES = ("en", "zh")

WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "explain": {
            "head_one": "{n} path from {top} to {bottom}",
            "head": "{n} paths from {top} to {bottom}",
            "none": "{bottom} does not affect {top}",
            "rule": "(chain rule: multiply the local derivatives along a path, add the paths)",
            "path": "path",
            "where": "where",
        },
    },
    "zh": {
        "explain": {
            "head_one": "从 {top} 到 {bottom} 共 {n} 条路径",
            "head": "从 {top} 到 {bottom} 共 {n} 条路径",
            "none": "{bottom} 不影响 {top}",
            "rule": "(链式法则: 沿每条路径把局部导数相乘, 再把各路径相加)",
            "path": "路径",
            "where": "其中",
        },
    },
}


def check_lang(lang: object) -> str:
    """``lang`` itself when it is one of ``LANGUAGES``, else a ValueError naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return str(lang)


def words(lang: str, part: str) -> Mapping[str, str]:
    """The words ``part`` (a module: "explain") writes in language ``lang``."""
    return WORDS[check_lang(lang)][part]
