"""The report's content, once, as plain blocks; each renderer only formats these blocks.

So text, Markdown and HTML say the same things in the same order: current flags worst first,
then shoes, the last weeks, surfaces, cadence, older flags, data notes and the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import DISCLAIMER, PREVIOUS_INJURY_NOTE, Flag, Report
from ..output import format_duration

#: Weeks listed in the "last weeks" table.
WEEKS_LISTED = 8
#: Older flags listed by name (the rest are counted).
HISTORY_LISTED = 12
#: Months and years in the totals table (JSON has every one).
MONTHS_LISTED = 6
YEARS_LISTED = 5


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class FlagItem:
    flag: Flag


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)  # right-align these columns
    #: rows of free text (shoe names) too wide for a phone: shown there as cards
    reflow: bool = False


@dataclass
class Bullets:
    items: list[str]


@dataclass
class ChartSlot:
    key: str


Block = Heading | Paragraph | FlagItem | Table | Bullets | ChartSlot


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0%}"


def title(report: Report) -> str:
    return report.title


def _next_blocks(d: dict[str, Any], u: str) -> list[Block]:
    """The "Next" section: the largest run and week that raise no flag, and the shoes due."""
    nxt = d["next"]
    items = []
    run = nxt["run"]
    if run is not None and run["first_run_back"]:
        items.append(f"Next run: keep your first run back under {run['max_distance']:.1f} {u} "
                     f"(10% over your usual run before the break, {run['usual_run']:.1f} {u}).")
    elif run is not None:
        line = (f"Next run: keep it under {run['max_distance']:.1f} {u} (your longest in 30 "
                f"days: {run['longest_recent']:.1f} {u} on {run['longest_date']}).")
        then = run["then_max_distance"]
        if then is None and run["until"]:
            line += f" From {run['until']} no run of yours is left in the 30 days before."
        elif then is not None and f"{then:.1f}" != f"{run['max_distance']:.1f}":
            line += (f" From {run['until']} the limit falls to {then:.1f} {u} unless you run "
                     "longer before.")
        items.append(line)
    week = nxt["week"]
    if week is not None:
        back = " (your first week back after a break)" if week["first_week_back"] else ""
        items.append(f"Next week (from {week['week_start']}){back}: up to "
                     f"{week['max_distance']:.1f} {u} raises no weekly-jump flag.")
    for shoe in nxt["shoes"]:
        when = ("now" if shoe["status"] == "replace" else
                f"around {shoe['replace_by']}" if shoe["replace_by"] else "soon")
        items.append(f"Shoes: {shoe['name']} is due for replacing {when}.")
    items += nxt["notes"]
    if not items:
        return []
    picture = _ceiling_line(d, u)
    return [Heading("Next"), Bullets(items + ([picture] if picture else [])), Paragraph(
        "The largest numbers that raise no flag under the rules below: limits, not a "
        "training plan."), ChartSlot("spike_ceiling")]


def _ceiling_line(d: dict[str, Any], u: str) -> str:
    """The spike picture in one line: how many runs of the last months went over the
    ceiling of the 30 days before them."""
    ceiling = {c["day"]: c["max_distance"] for c in d["spike_ceiling"]}
    if not ceiling:
        return ""
    first = min(ceiling)
    spikes = sorted({f["date"] for f in d["flags"] + d["history"]
                     if f["code"] == "load.spike" and f["date"] >= first})
    shown = ", ".join(spikes[:3]) + (f" and {len(spikes) - 3} more" if len(spikes) > 3 else "")
    over = f"{len(spikes)} over it ({shown})" if spikes else "none over it"
    return (f"Since {first}, runs against the 30-day ceiling: {over}.")


def _injury_line(injury: dict[str, Any]) -> str:
    off = f", {injury['days_off']} days off" if injury["days_off"] is not None else ""
    note = f" ({injury['note']})" if injury["note"] else ""
    before = injury["preceded_by"]
    said = ("no flag in the 6 weeks before" if not before else "in the 6 weeks before: "
            + ", ".join(f"{f['code']} on {f['date']} ({f['severity']})" for f in before))
    return f"{injury['date']} {injury['area']}{off}{note}: {said}."


def _shoe_distance(shoe: dict[str, Any]) -> str:
    """A pair's distance; with runs it may have shared with another pair, the range from what
    is certain to what it may have carried (its status counts the upper end)."""
    if not shoe.get("shared_runs"):
        return f"{shoe['distance']:.0f}"
    return f"{shoe['distance']:.0f}-{shoe['distance_up_to']:.0f}"


def _shoe_runs(shoe: dict[str, Any]) -> str:
    shared = shoe.get("shared_runs")
    return f"{shoe['runs']}+{shared}?" if shared else str(shoe["runs"])


def _span(span: dict[str, Any]) -> str:
    """The history's first and latest activity: a report on stale data must say so."""
    if not span.get("first_day"):
        return ""
    latest_run = span.get("latest_run")
    run = f"; latest run {latest_run}" if latest_run and latest_run != span["latest_day"] else ""
    return f" History: {span['first_day']} to {span['latest_day']}{run}."


def build(report: Report) -> list[Block]:
    d = report.to_dict()
    u = report.units
    s = d["summary"]
    blocks: list[Block] = [Heading(title(report), 1), Paragraph(
        f"Last {(report.as_of - report.window_start).days + 1} days "
        f"({d['window']['start']} to {d['window']['end']}): {s['runs']} runs, "
        f"{s['distance']:.1f} {u}, {format_duration(s['moving_time_s'])} moving; longest run "
        f"{s['longest_run']:.1f} {u}; {s['other_sessions']} other sessions."
        + _span(d["history_span"]))]

    blocks += _next_blocks(d, u)

    blocks.append(Heading("Current flags"))
    if report.flags:
        blocks.extend(FlagItem(f) for f in report.flags)
    else:
        blocks.append(Paragraph("No current flags."))

    if d["shoes"]:
        blocks += [Heading("Shoes"), Table(
            ["shoe", f"distance ({u})", "runs", "last run", "status", "replace by"],
            [[sh["name"], _shoe_distance(sh), _shoe_runs(sh), sh["last_run"] or "-",
              sh["status"], sh["projected_replace_date"] or "-"] for sh in d["shoes"]],
            [False, True, True, False, False, False], reflow=True), ChartSlot("shoe_mileage")]
        if any(sh.get("shared_runs") for sh in d["shoes"]):
            blocks.append(Paragraph(
                "A range and \"+N?\" count runs that named no shoe and that more than one pair "
                "could have carried; status and replace-by count them. Name the shoe in your "
                "log, or set first_used, retired and surfaces in runlog.toml, to settle them."))
        unassigned = report.figures.get("shoes_unassigned", {})
        if unassigned.get("runs"):
            blocks.append(Paragraph(
                f"{unassigned['runs']} runs ({unassigned['distance']:.1f} {u}) have no shoe."))

    weeks = d["weeks"][-WEEKS_LISTED:]
    if weeks:
        blocks += [Heading("Last weeks"), Table(
            ["week of", f"distance ({u})", "runs", "change", "acute:chronic"],
            [[w["week_start"], f"{w['distance']:.1f}", str(w["runs"]), _pct(w["change"]),
              "-" if w["acwr"] is None else f"{w['acwr']:.2f}"] for w in weeks],
            [False, True, True, True, True]), ChartSlot("weekly_distance")]

    months = d["totals"]["months"][-MONTHS_LISTED:]
    if months:
        years = d["totals"]["years"]
        rows = [[m["period"] + ("" if m["complete"] else " (so far)"), str(m["runs"]),
                 f"{m['distance']:.1f}", format_duration(m["moving_time_s"])] for m in months]
        if len(years) > 1:
            rows += [[y["period"] + ("" if y["complete"] else " (so far)"), str(y["runs"]),
                      f"{y['distance']:.1f}", format_duration(y["moving_time_s"])]
                     for y in years[-YEARS_LISTED:]]
        blocks += [Heading("Totals"), Table(["month / year", "runs", f"distance ({u})",
                                             "moving"], rows, [False, True, True, True])]

    surfaces = d["surfaces"]
    window = surfaces.get("window", {})
    total = sum(window.values())
    if total:
        blocks += [Heading("Surfaces"), Table(
            ["surface", f"distance ({u})", "share"],
            [[k, f"{v:.1f}", f"{v / total:.0%}"] for k, v in window.items() if v],
            [False, True, True])]
        hard = surfaces.get("hard_share")
        blocks.append(Paragraph(
            "Hard surfaces: " + ("-" if hard is None else f"{hard:.0%}") + " of the running "
             "with a known surface; unknown surface: " + f"{window.get('unknown', 0):.1f} {u}."))
        blocks.append(ChartSlot("surface_mix"))

    cad = d["cadence"]
    if cad.get("runs"):
        blocks.append(Heading("Cadence"))
        if cad.get("median") is None:
            blocks.append(Paragraph(f"None of the {cad['runs']} recent runs carries cadence."))
        else:
            low, high = cad["band"]
            blocks.append(Paragraph(
                f"Median {cad['median']:.0f} steps/min over {cad['runs_with_cadence']} of "
                f"{cad['runs']} recent runs; {cad['share_in_band']:.0%} of running time inside "
                f"{low:.0f}-{high:.0f} steps/min."))
            blocks.append(ChartSlot("cadence_distribution"))

    if d["injuries"]:
        blocks += [Heading("Injuries"), Bullets([_injury_line(i) for i in d["injuries"]])]
        logged = len(d["injuries"])
        counts = sorted(d["injury_precursors"].items(), key=lambda kv: (-kv[1], kv[0]))
        if counts:
            (code, n), rest = counts[0], counts[1:]
            injuries_word = "injury" if logged == 1 else "injuries"
            also = ("; then " + ", ".join(f"{c} ({k})" for c, k in rest)) if rest else ""
            blocks.append(Paragraph(
                f"{code} came before {n} of your {logged} logged {injuries_word}{also}. "
                "Counts of your own history, not a prediction."))

    if report.history:
        blocks.append(Heading("Earlier flags"))
        listed = report.history[:HISTORY_LISTED]
        items = [f"{f.date.isoformat()} [{f.severity}] {f.code}: {f.title}" for f in listed]
        if len(report.history) > len(listed):
            items.append(f"... and {len(report.history) - len(listed)} more (see JSON output)")
        blocks.append(Bullets(items))

    notes = list(report.data_notes)
    if notes or report.skipped or report.left_out:
        blocks.append(Heading("Data notes"))
        items = notes + [f"skipped {s['path']}: {s['reason']}" for s in report.skipped]
        items += [f"left out of {s['path']}: {s['reason']}" for s in report.left_out]
        blocks.append(Bullets(items))

    blocks += [Heading("About these flags"), Paragraph(DISCLAIMER),
               Paragraph(PREVIOUS_INJURY_NOTE)]
    return blocks


def flag_meta(flag: Flag) -> str:
    when = flag.date.isoformat() + (f" to {flag.end.isoformat()}" if flag.end else "")
    return f"{flag.code}, {when}; evidence: {flag.evidence}; source: {flag.source}"


def chart_keys(blocks: list[Block]) -> list[str]:
    return [b.key for b in blocks if isinstance(b, ChartSlot)]


def as_dict(block: Block) -> dict[str, Any]:  # pragma: no cover - debugging aid
    return {"type": type(block).__name__, **block.__dict__}
