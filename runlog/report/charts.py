"""The report's charts, drawn with matplotlib (Agg) as self-contained SVG.

Each chart function takes the report's figures (already computed by the analyzers) and returns
``Chart(title, alt, svg)``; nothing here computes a flag. SVG output is made deterministic (no
date, fixed id salt) so the same report renders byte-identical.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any, NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

from ..model import Report

#: Drawn for a phone: 4.2 x 3.0 in, shown at the page's width (about 358 px on a 390 px
#: phone, at most 36rem on a desktop), so that text of FONT_PT stays near 10 px on the
#: phone. A 6.4 in chart with 7 pt labels shrank them to about 5 px there.
SIZE = (4.2, 3.0)
FONT_PT = 10.0
#: Weeks in the weekly and surface charts: the same span, so the two line up.
CHART_WEEKS = 12
COLORS = {"bar": "#4C78A8", "spike": "#E45756", "ramp": "#F58518", "band": "#54A24B",
          "grey": "#9D9D9D"}
SURFACE_COLORS = {"road": "#7F7F7F", "trail": "#8C6D31", "track": "#E45756",
                  "treadmill": "#4C78A8", "grass": "#54A24B", "sand": "#EECA3B",
                  "unknown": "#D3D3D3"}


class Chart(NamedTuple):
    key: str
    title: str
    alt: str
    svg: str
    #: what the figure's caption adds to its title: how to read it
    caption: str = ""
    #: the smallest text in the chart, in points, and the chart's width in points: a page
    #: shown at W px draws that text at about min_font_pt * W / width_pt px
    min_font_pt: float = 0.0
    width_pt: float = 0.0


def _measure(fig: Figure) -> tuple[float, float]:
    """The smallest visible text in ``fig`` (points) and its width (points)."""
    # Text.get_fontsize() is typed float | str, but Text keeps its size in points.
    sizes = [float(t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text()]
    return (min(sizes) if sizes else 0.0), fig.get_figwidth() * 72.0


def _chart(key: str, title: str, alt: str, fig: Figure, caption: str) -> Chart:
    min_font, width = _measure(fig)
    svg = _svg(fig)
    # bbox_inches="tight" crops the saved figure: its width is the SVG's own
    head = svg[:svg.index(">")]
    found = re.search(r'width="([\d.]+)pt"', head)
    return Chart(key, title, alt, svg, caption, min_font,
                 float(found[1]) if found else width)


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "runlog", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(size: tuple[float, float] = SIZE) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=size, dpi=100)
    ax.tick_params(labelsize=FONT_PT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E0E0E0", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def weekly_distance(report: Report, weeks_shown: int = CHART_WEEKS) -> Chart | None:
    weeks = report.figures.get("weeks", [])[-weeks_shown:]
    if not weeks:
        return None
    spikes = {f.date for f in report.flags + report.history if f.code == "load.spike"}
    ramps = {f.date for f in report.flags + report.history if f.code == "load.weekly_ramp"}
    fig, ax = _figure()
    labels = [w["week_start"][5:] for w in weeks]
    values = [w["distance"] for w in weeks]
    colors = [COLORS["ramp"] if date.fromisoformat(w["week_start"]) in ramps
              else COLORS["bar"] for w in weeks]
    ax.bar(range(len(weeks)), values, color=colors)
    for i, w in enumerate(weeks):
        start = date.fromisoformat(w["week_start"])
        if any(0 <= (d - start).days < 7 for d in spikes):
            ax.annotate("spike", (i, values[i]), ha="center", va="bottom", fontsize=FONT_PT,
                        color=COLORS["spike"])
    ax.set_xticks(range(len(weeks)), labels, rotation=60, fontsize=FONT_PT)
    ax.set_ylabel(f"distance ({report.units})", fontsize=FONT_PT)
    ax.set_xlabel("week starting (month-day)", fontsize=FONT_PT)
    ax.set_title("Weekly running distance", fontsize=FONT_PT + 1)
    peak = max(values) if values else 0
    alt = (f"Bar chart of weekly running distance over the last {len(weeks)} weeks; "
           f"highest week {peak:.1f} {report.units}; {len(ramps)} weekly jumps in orange; "
           f"weeks with a single-run spike are labelled.")
    return _chart("weekly_distance", "Weekly running distance", alt, fig,
                  "Orange bars: weeks over the weekly-jump threshold; \"spike\" marks a week "
                  "with a run much longer than the month before.")


def shoe_mileage(report: Report) -> Chart | None:
    shoes = report.figures.get("shoes", [])
    if not shoes:
        return None
    low, high = report.figures["shoe_window"]
    fig, ax = _figure((SIZE[0], 1.0 + 0.45 * len(shoes)))
    ax.grid(False)
    names = [s["name"] for s in shoes]
    values = [s["distance"] for s in shoes]
    ax.axvspan(low, high, color=COLORS["band"], alpha=0.15, label="replacement window")
    ax.axvline(high, color=COLORS["spike"], linewidth=1)
    by_status = {"replace": COLORS["spike"], "approaching": COLORS["ramp"],
                 "retired": COLORS["grey"], "idle": COLORS["grey"]}
    colors = [by_status.get(s["status"], COLORS["bar"]) for s in shoes]
    ax.barh(range(len(shoes)), values, color=colors)
    ax.set_yticks(range(len(shoes)), [_short(n) for n in names], fontsize=FONT_PT)
    ax.invert_yaxis()
    ax.set_xlabel(f"distance ({report.units})", fontsize=FONT_PT)
    ax.set_title("Shoe mileage", fontsize=FONT_PT + 1)
    alt = "Horizontal bars of each shoe's distance against the replacement window: " + "; ".join(
        f"{s['name']} {s['distance']:.0f} {report.units} ({s['status']})" for s in shoes) + "."
    return _chart("shoe_mileage", "Shoe mileage", alt, fig,
                  f"Shaded: the {low:.0f}-{high:.0f} {report.units} replacement window; red "
                  "bars are past it, orange bars inside it.")


def surface_mix(report: Report) -> Chart | None:
    weeks = report.figures.get("surfaces", {}).get("weeks", [])[-CHART_WEEKS:]
    if not weeks or not any(sum(v for k, v in w.items() if k != "week_start") for w in weeks):
        return None
    fig, ax = _figure()
    bottom = [0.0] * len(weeks)
    for surface, color in SURFACE_COLORS.items():
        values = [w.get(surface, 0.0) for w in weeks]
        if not any(values):
            continue
        ax.bar(range(len(weeks)), values, bottom=bottom, color=color, label=surface)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(range(len(weeks)), [w["week_start"][5:] for w in weeks], rotation=60,
                  fontsize=FONT_PT)
    ax.set_ylabel(f"distance ({report.units})", fontsize=FONT_PT)
    ax.set_xlabel("week starting (month-day)", fontsize=FONT_PT)
    ax.legend(fontsize=FONT_PT, ncols=4, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.42))
    ax.set_title("Surface mix by week", fontsize=FONT_PT + 1)
    window = report.figures.get("surfaces", {}).get("window", {})
    alt = "Stacked bars of weekly distance by surface; in the report window: " + ", ".join(
        f"{k} {v:.1f} {report.units}" for k, v in window.items() if v) + "."
    return _chart("surface_mix", "Surface mix", alt, fig,
                  "Each bar is a week's running, split by surface; grey is unknown.")


def cadence_distribution(report: Report) -> Chart | None:
    cadence = report.figures.get("cadence", {})
    hist = cadence.get("histogram") or {}
    if not hist:
        return None
    low, high = cadence["band"]
    fig, ax = _figure()
    xs = [int(k) for k in hist]
    minutes = [v / 60.0 for v in hist.values()]
    ax.axvspan(low, high, color=COLORS["band"], alpha=0.15)
    ax.bar(xs, minutes, width=1.0, color=COLORS["bar"])
    ax.set_xlabel("cadence (steps/min)", fontsize=FONT_PT)
    ax.set_ylabel("running time (min)", fontsize=FONT_PT)
    ax.set_title("Cadence distribution", fontsize=FONT_PT + 1)
    share = cadence.get("share_in_band")
    alt = (f"Histogram of running cadence; median {cadence.get('median')} steps/min"
           + (f", {share:.0%} of running time inside {low:.0f}-{high:.0f}." if share is not None
              else "."))
    return _chart("cadence_distribution", "Cadence distribution", alt, fig,
                  f"Minutes of running at each cadence; shaded: the {low:.0f}-{high:.0f} "
                  "steps/min guidance band.")


def spike_ceiling(report: Report) -> Chart | None:
    """Each run of the last months as a dot against the 30-day ceiling (the longest run a
    day could hold without a spike), spikes by severity, logged injuries, and the next-run
    limit at the right edge: the spike rule in one picture."""
    ceiling = report.figures.get("spike_ceiling", [])
    if not ceiling:
        return None
    first = date.fromisoformat(ceiling[0]["day"])
    spikes = {(f.date, f.activity_id): f for f in report.flags + report.history
              if f.code == "load.spike"}
    runs = report.figures.get("ceiling_runs", [])
    fig, ax = _figure((SIZE[0], SIZE[1]))
    xs = [(date.fromisoformat(c["day"]) - first).days for c in ceiling]
    ys = [c["max_distance"] if c["max_distance"] is not None else float("nan")
          for c in ceiling]
    ax.step(xs, ys, where="mid", color=COLORS["band"], linewidth=1.2,
            label="30-day ceiling")
    colors = {"alert": COLORS["spike"], "warning": COLORS["ramp"]}
    for run in runs:
        x = (date.fromisoformat(run["day"]) - first).days
        flag = spikes.get((date.fromisoformat(run["day"]), run["activity_id"]))
        ax.plot(x, run["distance"], "o", markersize=3.5 if flag is None else 6,
                color=COLORS["bar"] if flag is None else colors[str(flag.severity)])
    for injury in report.figures.get("injuries", []):
        day = date.fromisoformat(injury["date"])
        if day >= first:
            ax.axvline((day - first).days, color=COLORS["grey"], linestyle="--", linewidth=1)
    nxt = (report.figures.get("next") or {}).get("run")
    if nxt and nxt.get("max_distance") is not None:
        ax.plot(xs[-1] + 1, nxt["max_distance"], marker="_", markersize=14,
                color=COLORS["spike"], mew=2)
        ax.annotate("next", (xs[-1] + 1, nxt["max_distance"]), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize=FONT_PT,
                    color=COLORS["spike"])
    ticks = [x for x, c in zip(xs, ceiling) if c["day"].endswith("-01")]
    ax.set_xticks(ticks, [ceiling[x]["day"][5:7] for x in ticks], fontsize=FONT_PT)
    ax.set_xlabel("month", fontsize=FONT_PT)
    ax.set_ylabel(f"distance ({report.units})", fontsize=FONT_PT)
    ax.set_title("Runs against the spike ceiling", fontsize=FONT_PT + 1)
    over = sum(1 for key in spikes if key[0] >= first)
    alt = (f"Dots for each run since {first.isoformat()} against a line for the longest run "
           f"each day could hold without a spike (10% over the longest of the 30 days "
           f"before); {over} runs over it, marked orange (warning) or red (alert); dashed "
           "lines mark logged injuries"
           + (f"; the next-run limit, {nxt['max_distance']:.1f} {report.units}, at the right "
              "edge." if nxt and nxt.get("max_distance") is not None else "."))
    return _chart("spike_ceiling", "Runs against the spike ceiling", alt, fig,
                  "Green line: 10% over the longest run of the 30 days before each day. "
                  "Orange and red dots went over it; the mark at the right is your next limit.")


def _short(name: str, width: int = 22) -> str:
    """A shoe name that fits beside its bar; the table and the alt text keep it whole."""
    return name if len(name) <= width else name[:width - 1] + "…"


def all_charts(report: Report) -> list[Chart]:
    charts = [spike_ceiling(report), weekly_distance(report), shoe_mileage(report),
              surface_mix(report), cadence_distribution(report)]
    return [c for c in charts if c is not None]
