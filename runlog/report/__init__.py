"""Renderers: a Report as text, Markdown, HTML with charts, or JSON. No analysis here."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..choices import REPORT_FORMATS as FORMATS
from ..model import Report
from . import html, markdown, text


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render(report: Report, fmt: str = "text", *, colour: bool = False,
           up: tuple[str, str] | None = None) -> str:
    """The report in one of :data:`FORMATS`. ``up`` is a (link, words) pair the HTML and
    Markdown reports open with (coach mode's way back to the roster's index)."""
    renderers: dict[str, Callable[[Report], str]] = {
        "text": lambda r: text.render(r, colour=colour),
        "markdown": lambda r: markdown.render(r, up=up),
        "html": lambda r: html.render(r, up=up),
        "json": to_json,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}")
    return renderers[fmt](report)
