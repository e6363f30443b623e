"""Markdown report: the same content as text, for a wiki or an email; every user string
escaped so a name from a file cannot inject markup or HTML."""

from __future__ import annotations

import re

from ..model import Report
from .document import Bullets, ChartSlot, FlagItem, Heading, Paragraph, Table, build, flag_meta

_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def escape(text: str) -> str:
    """Markdown punctuation backslash-escaped, HTML characters as entities, one line."""
    text = " ".join(str(text).split())
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(report: Report, *, up: tuple[str, str] | None = None) -> str:
    out: list[str] = []
    if up is not None:
        link, words = up
        out.append(f"[{escape(words)}](<{link.replace('>', '%3E')}>)")
    for block in build(report):
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {escape(block.text)}")
        elif isinstance(block, Paragraph):
            out.append(escape(block.text))
        elif isinstance(block, FlagItem):
            flag = block.flag
            out.append(f"- **{str(flag.severity).upper()}: {escape(flag.title)}**  \n"
                       f"  {escape(flag.message)}  \n"
                       f"  _{escape(flag_meta(flag))}_")
        elif isinstance(block, Table):
            align = ["---:" if n else "---" for n in (block.numeric or
                                                      [False] * len(block.headers))]
            rows = [block.headers, *block.rows]
            lines = [("| " + " | ".join(escape(c) for c in rows[0]) + " |"),
                     "| " + " | ".join(align) + " |"]
            lines += ["| " + " | ".join(escape(c) for c in r) + " |" for r in rows[1:]]
            out.append("\n".join(lines))
        elif isinstance(block, Bullets):
            out.append("\n".join(f"- {escape(i)}" for i in block.items))
        elif isinstance(block, ChartSlot):
            continue
    return "\n\n".join(out) + "\n"
