"""The house's rooms (issue 14): data flows files → importers → analyzers → report, and nothing
below reaches back up. A renderer depends on the model, never on the code that computes flags;
analysis never depends on reading; no module grows past what one reader can hold in mind.

Imports are read from the source with ``ast``, not by importing: an import inside a function
counts as much as one at the top of the module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

#: (modules under this package, the package they must not import)
FORBIDDEN = (
    ("runlog.report", "runlog.analyzers"),
    ("runlog.analyzers", "runlog.importers"),
)
MAX_LINES = 600
#: Modules being split on branches of their own (issue 14). The lead removes each from here as
#: its split merges; test_exempt_modules_are_still_over_the_limit fails until then.
STILL_BEING_SPLIT: frozenset[str] = frozenset()


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, wherever it stands. For ``from X
    import a`` both ``X`` and ``X.a`` are listed, since ``a`` may be a submodule
    (``from .. import analyzers``)."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1]
                                + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layering_breaches(root: Path) -> list[str]:
    """``path:line imports module`` for each line whose import crosses :data:`FORBIDDEN`."""
    breaches = []
    for path in sorted((root / "runlog").rglob("*.py")):
        name = module_name(path, root)
        for importer, forbidden in FORBIDDEN:
            if not _within(name, importer):
                continue
            lines = set()
            for line, target in imports_of(path, root):  # the module before its names
                if _within(target, forbidden) and line not in lines:
                    lines.add(line)
                    breaches.append(f"{path.relative_to(root).as_posix()}:{line} imports {target}")
    return breaches


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def oversized_modules(root: Path, exempt: frozenset[str] = STILL_BEING_SPLIT) -> list[str]:
    """``path: N lines`` for each module over :data:`MAX_LINES`, but those in ``exempt``."""
    found = []
    for path in sorted((root / "runlog").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative not in exempt and line_count(path) > MAX_LINES:
            found.append(f"{relative}: {line_count(path)} lines")
    return found


def test_renderers_do_not_import_analyzers_nor_analyzers_importers() -> None:
    assert layering_breaches(REPO) == []


def test_no_module_is_over_600_lines() -> None:
    assert oversized_modules(REPO) == []


def test_exempt_modules_are_still_over_the_limit() -> None:
    """An exemption lasts only while its module is still too long."""
    split = [p for p in sorted(STILL_BEING_SPLIT) if line_count(REPO / p) <= MAX_LINES]
    assert split == [], f"split now: remove {split} from STILL_BEING_SPLIT"


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checks_name_each_module_and_line_that_breaks_the_layout(tmp_path: Path) -> None:
    for package in ("runlog", "runlog/report", "runlog/analyzers", "runlog/importers"):
        _write(tmp_path, f"{package}/__init__.py", "")
    _write(tmp_path, "runlog/report/text.py", (
        "from ..model import Report\n"
        "from .. import analyzers\n"
        "def render(report):\n"
        "    from ..analyzers.load import monotony\n"
        "    return monotony\n"))
    _write(tmp_path, "runlog/report/__init__.py", "from runlog.analyzers import Report\n")
    _write(tmp_path, "runlog/analyzers/cadence.py", (
        "import runlog.importers.streams\n"
        "from ..stats import weighted_median\n"))
    _write(tmp_path, "runlog/analyzers/__init__.py", (
        "def prepare():\n"
        "    from ..importers import machine_timezone\n"))
    # allowed: the model below both, an analyzer module named like a reader
    _write(tmp_path, "runlog/analyzers/load.py", "from ..model import Flag\nfrom . import base\n")
    _write(tmp_path, "runlog/importers/fit.py", "from ..analyzers import analyze\n")
    assert layering_breaches(tmp_path) == [
        "runlog/analyzers/__init__.py:2 imports runlog.importers",
        "runlog/analyzers/cadence.py:1 imports runlog.importers.streams",
        "runlog/report/__init__.py:1 imports runlog.analyzers",
        "runlog/report/text.py:2 imports runlog.analyzers",
        "runlog/report/text.py:4 imports runlog.analyzers.load",
    ]

    _write(tmp_path, "runlog/batch.py", "x = 1\n" * (MAX_LINES + 1))
    _write(tmp_path, "runlog/store.py", "x = 1\n" * MAX_LINES)
    _write(tmp_path, "runlog/importers/gpx.py", "x = 1\n" * (MAX_LINES * 2))
    exempt = frozenset({"runlog/importers/gpx.py"})
    assert oversized_modules(tmp_path, exempt) == [f"runlog/batch.py: {MAX_LINES + 1} lines"]
    assert oversized_modules(tmp_path, exempt=frozenset()) == [
        f"runlog/batch.py: {MAX_LINES + 1} lines",
        f"runlog/importers/gpx.py: {MAX_LINES * 2} lines",
    ]
