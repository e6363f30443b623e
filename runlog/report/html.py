"""HTML report: one self-contained file (charts embedded as SVG images, no scripts, no network
fetch) that reads on a phone and prints well. Every string is escaped."""

from __future__ import annotations

import base64
import re
from html import escape
from typing import TYPE_CHECKING

from ..model import Report
from .document import (
    Bullets,
    ChartSlot,
    FlagItem,
    Heading,
    Paragraph,
    Table,
    build,
    flag_meta,
    title,
)

if TYPE_CHECKING:
    from .charts import Chart

CSS = """
:root { color-scheme: light; --alert: #b3261e; --warning: #9a5b00; --info: #0b6e99; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1d1d1f; background: #fff; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 0.5rem; border-bottom: 1px solid #ddd; }
.flag { border-left: 4px solid; padding: 0.4rem 0.8rem; margin: 0.6rem 0; background: #fafafa; }
.flag.alert { border-color: var(--alert); } .flag.warning { border-color: var(--warning); }
.flag.info { border-color: var(--info); }
.flag .sev { font-weight: 700; text-transform: uppercase; font-size: 0.8rem; }
.alert .sev { color: var(--alert); } .warning .sev { color: var(--warning); }
.info .sev { color: var(--info); }
.flag p { margin: 0.2rem 0; } .meta { color: #555; font-size: 0.85rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.5rem; border-bottom: 1px solid #eee; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
figure { margin: 0.8rem 0; } figure img { width: 100%; max-width: 36rem; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
@media (max-width: 36rem) {
  table { font-size: 0.8rem; } th, td { padding: 0.2rem 0.25rem; }
  /* A phone: each table row becomes a card of "label value" lines, so no column is cut off
     and no date wraps in the middle. */
  .table-wrap table.wide, .table-wrap table.wide tbody, .table-wrap table.wide tr,
  .table-wrap table.wide td { display: block; width: 100%; }
  .table-wrap table.wide thead { display: none; }
  .table-wrap table.wide tr { border-bottom: 1px solid #ddd; padding: 0.3rem 0; }
  .table-wrap table.wide td { border: none; padding: 0.1rem 0.2rem; text-align: right; }
  .table-wrap table.wide td::before { content: attr(data-label); float: left;
    color: #555; padding-right: 0.5rem; }
  .table-wrap table.wide td:first-child { font-weight: 600; text-align: left; }
  .table-wrap table.wide td:first-child::before { content: none; }
}
@media print { body { font-size: 11pt; } main { max-width: none; }
  .flag, figure, table { break-inside: avoid; } h2 { break-after: avoid; } }
"""


def _img(chart: Chart) -> str:
    data = base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
    return (f'<figure id="chart-{chart.key}"><img src="data:image/svg+xml;base64,{data}" '
            f'alt="{escape(chart.alt)}" data-min-font-pt="{chart.min_font_pt:g}" '
            f'data-width-pt="{chart.width_pt:g}">'
            f"<figcaption>{escape(chart.caption or chart.title)}</figcaption></figure>")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _cell(tag: str, text: str, numeric: bool, label: str | None = None) -> str:
    kind = "num" if numeric else "date" if _DATE.fullmatch(text) else ""
    attr = f' class="{kind}"' if kind else ""
    if label is not None:
        attr += f' data-label="{escape(label)}"'
    shown = escape(text)
    if tag == "th":  # "acute:chronic" may break after its colon on a narrow screen
        shown = shown.replace(":", ":<wbr>")
    return f"<{tag}{attr}>{shown}</{tag}>"


def render(report: Report, *, charts: bool = True, up: tuple[str, str] | None = None) -> str:
    # matplotlib loads in about 0.7 s: only reports with charts pay for it.
    from .charts import all_charts

    drawn = {c.key: c for c in all_charts(report)} if charts else {}
    body: list[str] = []
    if up is not None:
        link, words = up
        body.append(f'<p class="up"><a href="{escape(link)}">{escape(words)}</a></p>')
    for block in build(report):
        if isinstance(block, Heading):
            tag = "h1" if block.level == 1 else "h2"
            body.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, FlagItem):
            flag = block.flag
            level = str(flag.severity)
            body.append(
                f'<div class="flag {level}" data-code="{escape(flag.code)}">'
                f'<p><span class="sev">{escape(str(flag.severity))}</span> '
                f"<strong>{escape(flag.title)}</strong></p>"
                f"<p>{escape(flag.message)}</p>"
                f'<p class="meta">{escape(flag_meta(flag))}</p></div>')
        elif isinstance(block, Table):
            numeric = block.numeric or [False] * len(block.headers)
            head = "".join(_cell("th", h, n) for h, n in zip(block.headers, numeric))
            rows = "".join("<tr>" + "".join(_cell("td", c, n, h) for c, n, h
                                            in zip(row, numeric, block.headers))
                           + "</tr>" for row in block.rows)
            wide = ' class="wide"' if block.reflow else ""
            body.append(f'<div class="table-wrap"><table{wide}><thead><tr>{head}</tr></thead>'
                        f"<tbody>{rows}</tbody></table></div>")
        elif isinstance(block, Bullets):
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in block.items)
                        + "</ul>")
        elif isinstance(block, ChartSlot) and block.key in drawn:
            body.append(_img(drawn[block.key]))
    worst = report.worst
    state = "no current flags" if worst is None else f"worst current flag: {worst.severity}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="description" content="{escape(state)}">\n'
        f"<title>{escape(title(report))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n")



