"""The GPX and TCX readers turn number texts into floats a column at a time
(:func:`runlog.importers.xmltools.floats`); a column must give, text by text, what ``float()``
gives (bit for bit, the sign of a NaN or a zero included) and refuse or drop exactly what it
refuses: on every text of every corpus GPX and TCX file, and on generated texts that vary
what ``float()`` reads its own way (exponents, signs, spaces, nan, inf, underscores, commas,
hex, other digits). Columns of decimals all written alike take numpy's way
(``_same_width_decimals``); generated ones vary what it must notice."""

from __future__ import annotations

import gzip
import math
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runlog.importers import xmltools


def by_float(text: str | bytes | None, strict: bool) -> float:
    """One text as the readers read it point by point: ``float()``, NaN for no text; for a
    text that is no number, the refusal (``strict``) or NaN, as for one that is not finite."""
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        if strict:
            raise
        return math.nan
    return value if strict or math.isfinite(value) else math.nan


def assert_column_as_float(texts: list[str | bytes | None]) -> None:
    for strict in (False, True):
        try:
            want = np.array([by_float(t, strict) for t in texts], dtype="float64")
        except ValueError:
            with pytest.raises(ValueError):
                xmltools.floats(texts, strict=True)
            continue
        got = xmltools.floats(texts, strict=strict)
        assert got.dtype == np.float64 and got.shape == (len(texts),)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64),
                                      err_msg=f"strict={strict}: {texts[:20]!r}")


# --- every text of every corpus GPX and TCX file ---------------------------------------------

_TEXT = re.compile(rb"<([\w:.-]+)[^<>]*>([^<]*)</")
_ATTRIBUTE = re.compile(rb"([\w:.-]+)[ \t\r\n]*=[ \t\r\n]*(?:\"([^\"<]*)\"|'([^'<]*)')")


def corpus_columns(corpus: Path) -> dict[tuple[str, bytes], list[bytes]]:
    """Every element text and attribute value of the corpus GPX and TCX files, by file and
    the name of its element or attribute (as bytes, the way the pattern paths cut them out)."""
    columns: dict[tuple[str, bytes], list[bytes]] = defaultdict(list)
    for path in sorted([*corpus.glob("gpx/*"), *corpus.glob("tcx/*")]):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        for match in _TEXT.finditer(data):
            columns[path.name, match[1]].append(match[2])
        for match in _ATTRIBUTE.finditer(data):
            columns[path.name, match[1]].append(match[2] if match[2] is not None else match[3])
    return columns


def test_every_corpus_text_converts_as_float_does(corpus: Path) -> None:
    columns = corpus_columns(corpus)
    numbers = same_width = 0
    for texts in columns.values():
        assert_column_as_float(texts)  # as the pattern paths give them: bytes
        as_text = [t.decode("utf-8", "replace") for t in texts]
        assert_column_as_float(as_text)  # as the tree gives them: str
        assert_column_as_float([t.strip() or None for t in as_text])  # TCX's stripped texts
        numbers += sum(1 for t in texts if not math.isnan(by_float(t, False)))
        same_width += len(texts) if xmltools._same_width_decimals(texts) is not None else 0
    # Not vacuous: the corpus holds hundreds of thousands of coordinates, heart rates, ...,
    # and many of its columns are written all alike.
    assert numbers > 300_000, numbers
    assert same_width > 50_000, same_width
    names = {name for _, name in columns}
    assert {b"lat", b"lon", b"ele", b"LatitudeDegrees", b"DistanceMeters", b"Value"} <= names


# --- generated texts ---------------------------------------------------------------------------

ODD_TEXTS = ["", " ", "\n", "nan", "NaN", "-nan", "+nan", "inf", "-inf", "+Infinity",
             "infinity", "INF", "1e309", "-1e309", "1e-400", "4.9e-324", "2.2250738585072014e-308",
             "1.7976931348623157e308", "0", "-0", "-0.0", "+0.0", ".5", "5.", "+.5e-3", "-.5E+3",
             "1,5", "1.5.2", "0x10", "0x1p3", "1_000", "1__0", "_1", "1_", "1e", "e5", "--1",
             "+-1", "1 2", "\u0661\u0662", "\u00a01\u00a0", "1\x00", "12abc", "١٫٥",
             "9007199254740993", "0.1000000000000000055511151231257827", "123456789012345678901234"]


@st.composite
def number_texts(draw: st.DrawFn) -> str | None:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return None
    if kind == 1:
        return draw(st.sampled_from(ODD_TEXTS))
    value = draw(st.floats(allow_nan=False, allow_infinity=False))
    text = draw(st.sampled_from([repr(value), f"{value:.7f}", f"{value:e}", f"{value:.17g}",
                                 f"{value:E}", str(int(value)) if abs(value) < 1e18 else "1"]))
    if draw(st.booleans()) and not text.startswith("-"):
        text = draw(st.sampled_from(["+", ""])) + text
    padding = draw(st.sampled_from(["", " ", "\n  ", "\t", " \r\n"]))
    return padding + text + draw(st.sampled_from(["", padding]))


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(number_texts(), max_size=40))
def test_generated_texts_convert_as_float_does(texts: list[str | None]) -> None:
    assert_column_as_float(texts)  # type: ignore[arg-type]
    ascii_texts = [t.encode("ascii") if t is not None and t.isascii() else None for t in texts]
    assert_column_as_float(ascii_texts)  # type: ignore[arg-type]


@st.composite
def same_width_columns(draw: st.DrawFn) -> list[bytes]:
    """Decimals all written alike (one sign or none, as many digits before and after the
    point), perhaps with one row that differs in a way a same-width reading must notice."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 17))
    places = draw(st.integers(0, 17 - whole))
    point = draw(st.sampled_from([".", ""])) if places == 0 else "."
    digits = st.text("0123456789", min_size=whole + places, max_size=whole + places)
    texts = [sign + d[:whole] + point + d[whole:] for d in draw(st.lists(digits, min_size=1))]
    if draw(st.booleans()):
        row = draw(st.integers(0, len(texts) - 1))
        at = draw(st.integers(0, max(len(texts[row]) - 1, 0)))
        other = draw(st.sampled_from(["-", "+", ".", " ", "e", "1", "\n", "_", "x"]))
        texts[row] = texts[row][:at] + other + texts[row][at + 1:]
    return [t.encode("ascii") for t in texts]


@settings(max_examples=400, deadline=None)
@given(texts=same_width_columns())
def test_columns_written_alike_convert_as_float_does(texts: list[bytes]) -> None:
    assert_column_as_float(texts)  # type: ignore[arg-type]
    fast = xmltools._same_width_decimals(texts)
    if fast is not None:
        want = np.array([float(t) for t in texts])
        np.testing.assert_array_equal(fast.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("texts", [
    [b"45.6343634", b"45.6343629", b"00.0000000"], [b"-14.3474770", b"-14.3475197"],
    [b"-0.0", b"-0.0"], [b"+.5", b"+.7"], [b"5.", b"7."], [b"141", b"099"],
    [b"123456789012345", b"999999999999999"], [b".000000000000001", b".999999999999999"],
    [b"9007199.25474099", b"1234567.89012345"],
])
def test_columns_written_alike_take_numpy_s_way(texts: list[bytes]) -> None:
    """Not vacuous: these columns are read as digit matrices, and read as float() reads them."""
    fast = xmltools._same_width_decimals(texts)
    assert fast is not None
    want = np.array([float(t) for t in texts])
    np.testing.assert_array_equal(fast.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("texts", [
    [b"1.5", b"-15"], [b"1.5", b"15."], [b"1.5", b"1e5"], [b"1.5", b" 15"], [b"15", b"1_5"],
    [b"1.5", b"1.55"], [b"1\n2", b"345"], [b"1234567890123456", b"1234567890123456"],
    [b"9007199.254740993", b"1234567.890123456"],
    [b"-", b"-"], [b".", b"."], [b"nan", b"inf"], ["1.5", "2.5"],
])
def test_columns_not_written_alike_are_left_to_float(texts: list[bytes]) -> None:
    assert xmltools._same_width_decimals(texts) is None
    assert_column_as_float(texts)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_each_odd_text_alone_and_among_numbers(text: str) -> None:
    """Alone, first, last, between numbers and between gaps: where a text stands in the
    column changes nothing."""
    for texts in ([text], [text, "1.5"], ["1.5", text], ["2", text, None, "3e2"],
                  [None, text, ""]):
        assert_column_as_float(texts)  # type: ignore[arg-type]


def test_no_text_at_all_is_a_column_of_nan() -> None:
    for texts in ([], [None], [None, b"", None]):
        got = xmltools.floats(texts)  # type: ignore[arg-type]
        assert got.dtype == np.float64 and len(got) == len(texts) and np.isnan(got).all()
