"""What a batch writes: each athlete's line in the index (:class:`Outcome`), their ranking,
safe file names for their reports, and the index itself as JSON and as a page."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import RunlogError
from ..model import DISCLAIMER, EVIDENCE_RANK, Severity
from ..report.html import CSS

INDEX_SCHEMA = "runlog.batch/1"
SEVERITIES = ("alert", "warning", "info")  # worst first
#: The index's own files; no athlete's report may take these names.
INDEX_STEM = "index"
#: Longest file-name stem made from an athlete's name.
MAX_STEM = 60


@dataclass(frozen=True)
class Outcome:
    """One athlete's line in the index, and their rendered report (None when failed)."""

    athlete: str
    status: str  # "ok" or "failed"
    report: str | None = None
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    top_flag: str | None = None
    top_title: str | None = None
    top_evidence: str | None = None
    last_week: dict[str, Any] | None = None
    #: the longest next run that raises no spike, in the athlete's report units
    next_run_max: float | None = None
    units: str | None = None
    latest_activity: str | None = None  # the day of the history's latest activity
    text: str | None = field(default=None, repr=False)

    @property
    def worst(self) -> str | None:
        return next((s for s in SEVERITIES if self.counts[s]), None)

    def to_dict(self) -> dict[str, Any]:
        """The index.json entry (the rendered report stays out)."""
        return {
            "athlete": self.athlete,
            "status": self.status,
            "worst": self.worst,
            "counts": dict(self.counts),
            "top_flag": self.top_flag,
            "report": self.report,
            "reason": self.reason,
            "top_title": self.top_title,
            "top_evidence": self.top_evidence,
            "last_week": self.last_week,
            "next_run_max": self.next_run_max,
            "units": self.units,
            "latest_activity": self.latest_activity,
        }


@dataclass
class BatchResult:
    """What :func:`run_batch` wrote: the athletes in rank order and where the index is."""

    as_of: date
    outcomes: list[Outcome]
    output_dir: Path
    #: (athlete, why) for each review that died and was tried again in a new process (on this
    #: machine; Dask retries on its own). Not in the index: the outputs are the same.
    retried: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != "ok"]

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "ok"]

    @property
    def worst(self) -> Severity | None:
        levels = [Severity.parse(o.worst) for o in self.outcomes if o.worst]
        return max(levels) if levels else None

    def to_dict(self) -> dict[str, Any]:
        return {"schema": INDEX_SCHEMA, "as_of": self.as_of.isoformat(),
                "athletes": [o.to_dict() for o in self.outcomes]}


def rank_key(outcome: Outcome) -> tuple[Any, ...]:
    """Worst current flag first; at the same severity, the strongest evidence behind that flag
    (a moderate-evidence spike above a guideline note, however many notes); then the most
    alerts, warnings, infos; failed athletes last; ties by name, so the order never depends on
    which worker finished first."""
    worst = SEVERITIES.index(outcome.worst) if outcome.worst else len(SEVERITIES)
    evidence = EVIDENCE_RANK.get(outcome.top_evidence or "", 0)
    return (outcome.status != "ok", worst, -evidence,
            *(-outcome.counts[s] for s in SEVERITIES), outcome.athlete.casefold(),
            outcome.athlete)


# --------------------------------------------------------------------------------------------
# Files


def report_names(athletes: Sequence[str], extension: str) -> list[str]:
    """A safe, distinct file name for each athlete's report, in the order given.

    Names become lower-case ASCII words joined by ``-`` (no separators, dots or ``..``, so
    nothing escapes the output folder); names with no ASCII letters or digits get a short
    hash instead; a name that would repeat another (ignoring case, as macOS and Windows do) or
    the index's own gets ``-2``, ``-3``...
    """
    used = {INDEX_STEM}
    names = []
    for athlete in athletes:
        ascii_name = unicodedata.normalize("NFKD", athlete).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_STEM].strip("-")
        if not stem:
            stem = "athlete-" + hashlib.sha256(athlete.encode("utf-8")).hexdigest()[:8]
        candidate, n = stem, 2
        while candidate in used:
            candidate, n = f"{stem}-{n}", n + 1
        used.add(candidate)
        names.append(candidate + extension)
    return names


def write(result: BatchResult) -> None:
    """Each report, then index.json and index.html, into the result's output folder."""
    out = result.output_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        for outcome in result.outcomes:
            if outcome.report is not None and outcome.text is not None:
                (out / outcome.report).write_text(outcome.text, encoding="utf-8")
        (out / f"{INDEX_STEM}.json").write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
        (out / f"{INDEX_STEM}.html").write_text(index_html(result), encoding="utf-8")
    except OSError as exc:
        raise RunlogError(f"cannot write the batch output: {exc.strerror}",
                          exc.filename or str(out)) from exc


# --------------------------------------------------------------------------------------------
# The index page

#: Added to the report's stylesheet: a ranked list, colour-coded like the report's flags.
INDEX_CSS = """
ol.roster { list-style: none; padding: 0; margin: 0; }
.flag.none { border-color: #2e7d32; } .none .sev { color: #2e7d32; }
.flag.failed { border-color: #555; } .failed .sev { color: #555; }
.roster a { font-weight: 700; } .roster p { overflow-wrap: anywhere; }
"""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 or word == "info" else "s")


def _week_line(week: dict[str, Any] | None) -> str:
    if week is None:
        return "No full week of running yet."
    change = "-" if week["change"] is None else f"{week['change']:+.0%}"
    return (f"Week of {week['week_start']}: {week['distance']:.1f} {week['units']} "
            f"({change} on the week before), {_plural(week['runs'], 'run')}.")


def _next_line(outcome: Outcome) -> str:
    """The next-run limit and how fresh the data is, in the index's words."""
    limit = ("Next run: no limit yet (too little history)." if outcome.next_run_max is None
             else f"Next run under {outcome.next_run_max:.1f} {outcome.units}.")
    latest = f" Latest activity {outcome.latest_activity}." if outcome.latest_activity else ""
    return limit + latest


def _index_item(outcome: Outcome) -> str:
    if outcome.status != "ok":
        return (f'<li class="flag failed"><p><span class="sev">failed</span> '
                f"<strong>{escape(outcome.athlete)}</strong></p>"
                f"<p>Could not be reviewed: {escape(outcome.reason or '')}</p></li>")
    level = outcome.worst or "none"
    counts = ", ".join(_plural(outcome.counts[s], s) for s in SEVERITIES if outcome.counts[s])
    href = escape(quote(outcome.report or ""))
    headline = outcome.top_title or "No current flags"
    return (f'<li class="flag {level}" data-athlete="{escape(outcome.athlete)}">'
            f'<p><span class="sev">{"ok" if level == "none" else level}</span> '
            f'<a href="{href}">{escape(outcome.athlete)}</a>'
            + (f' <span class="meta">{escape(counts)}</span>' if counts else "") + "</p>"
            f"<p>{escape(headline)}"
            + (f' <span class="meta">({escape(outcome.top_flag)})</span>'
               if outcome.top_flag else "") + "</p>"
            f'<p class="meta">{escape(_week_line(outcome.last_week))} '
            f"{escape(_next_line(outcome))}</p></li>")


#: How the index's opening line counts athletes by their worst current flag.
_TALLY = {"alert": "with an alert", "warning": "with a warning at worst",
          "info": "with information only", None: "with no current flags"}


def _tally(result: BatchResult) -> str:
    worst = [o.worst for o in result.succeeded]
    parts = [f"{worst.count(level)} {words}" for level, words in _TALLY.items()
             if level in worst]
    if result.failed:
        parts.append(f"{len(result.failed)} could not be reviewed")
    return (f"{_plural(len(result.outcomes), 'athlete')}: " + ", ".join(parts) + ". "
            "Each name opens that athlete's own report.")


def index_title(result: BatchResult) -> str:
    return f"runlog roster, as of {result.as_of.isoformat()}"


def index_html(result: BatchResult) -> str:
    """The index page: self-contained, every string escaped, readable on a phone."""
    items = "\n".join(_index_item(o) for o in result.outcomes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(index_title(result))}</title>\n<style>{CSS}{INDEX_CSS}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>{escape(index_title(result))}</h1>\n<p>{escape(_tally(result))}</p>\n"
        f'<ol class="roster">\n{items}\n</ol>\n'
        f"<h2>About these flags</h2>\n<p>{escape(DISCLAIMER)}</p>\n"
        "</main>\n</body>\n</html>\n")
