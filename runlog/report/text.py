"""Plain-text report: fits 80 columns; ANSI colour only when asked (a terminal, no NO_COLOR)."""

from __future__ import annotations

import textwrap

from ..model import Report, Severity
from ..output import display_width, fit, pad
from .document import Bullets, ChartSlot, FlagItem, Heading, Paragraph, Table, build, flag_meta

WIDTH = 80
_COLOURS = {Severity.ALERT: "\033[1;31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_RESET = "\033[0m"


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first if first is not None else indent,
                         subsequent_indent=indent, break_on_hyphens=False) or [""]


def table_lines(table: Table) -> list[str]:
    widths = [max(display_width(h), *(display_width(r[i]) for r in table.rows))
              for i, h in enumerate(table.headers)]
    budget = WIDTH - 2 * (len(widths) - 1)
    while sum(widths) > budget and max(widths) > 8:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    numeric = table.numeric or [False] * len(widths)

    def line(cells: list[str]) -> str:
        parts = []
        for cell, width, right in zip(cells, widths, numeric):
            parts.append(pad(fit(cell, width), width, right))
        return "  ".join(parts).rstrip()

    return [line(table.headers), line(["-" * w for w in widths])] + [line(r) for r in table.rows]


def _short_title(text: str, report: Report) -> str:
    """The title within :data:`WIDTH` columns: a long athlete name (a file's stem, when
    nothing names the athlete) is cut in the middle, the date kept."""
    name = report.athlete
    if display_width(text) <= WIDTH or not name or name not in text:
        return text
    room = display_width(name) - (display_width(text) - WIDTH)
    return text.replace(name, fit(name, max(room, 8)), 1)


def render(report: Report, *, colour: bool = False) -> str:
    lines: list[str] = []
    for block in build(report):
        if isinstance(block, Heading):
            if lines:
                lines.append("")
            text = _short_title(block.text, report) if block.level == 1 else block.text
            lines.append(text)
            lines.append(("=" if block.level == 1 else "-") * min(display_width(text), WIDTH))
        elif isinstance(block, Paragraph):
            lines.extend(_wrap(block.text))
        elif isinstance(block, FlagItem):
            flag = block.flag
            tag = f"[{str(flag.severity).upper()}]"
            if colour:
                tag = f"{_COLOURS[flag.severity]}{tag}{_RESET}"
            lines.extend(_wrap(f"{flag.title}", indent="  ", first=f"{tag} "))
            lines.extend(_wrap(flag.message, indent="    "))
            lines.extend(_wrap(f"({flag_meta(flag)})", indent="    "))
        elif isinstance(block, Table):
            lines.extend(table_lines(block))
        elif isinstance(block, Bullets):
            for item in block.items:
                lines.extend(_wrap(item, indent="  ", first="- "))
        elif isinstance(block, ChartSlot):
            continue
    return "\n".join(lines) + "\n"
