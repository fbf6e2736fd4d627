"""The claims check: every number a reader sees in prose traces to a result.

Prose is what a reader reads as text in an executed notebook: its Markdown cells and the
Markdown outputs of ``findings.show(...)``. Each number in it must equal, *at the precision
shown*, a value in a result file of ``figures/`` (``*.csv``) or a table the notebook displays
(its HTML outputs). "At the precision shown" is the compendium's one rounding rule: a value is
written with Python's ``format`` (``f"{value:.{d}f}"``, the rule of ``findings.fmt_num`` and
``fmt_r``) at the ``d`` decimals the prose shows, so ``65.43`` is shown as ``65.4`` and never
as ``65.5``; a sentence and its table cannot show two roundings of one value.

A number matches a value ``v`` if it equals ``v``, ``|v|`` (prose says "fell by 0.89"), or
``100 v`` (a share written as a percentage). Numbers that are not claims are skipped: years
(1990-2035 without decimals), chapter numbers written with a leading zero (``09``),
days of dates, figure/table/section/chapter numbers, ``95% CI``,
significance thresholds (``p < .05``, ``p < .001``), ordinals, code spans, URLs and numbers
inside names (``SFR50``, ``LAA4``). Whole numbers are a weak check (many values round to a
small integer); decimals are a strict one.

``untraceable(notebook)`` lists what does not trace, by cell; ``tests/test_claims.py`` runs it
over every notebook and fails on anything not in ``tests/claims_exemptions.csv``.
"""
from __future__ import annotations

import csv
import html
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_DECIMALS = 6

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec")

#: Text that holds numbers but no claim, removed before numbers are read.
_SKIP = [
    re.compile(r"```.*?```", re.S),                      # fenced code
    re.compile(r"`[^`]*`"),                              # code spans: file names, ids, parameters
    re.compile(r"\]\([^)]*\)"),                          # link targets
    re.compile(r"https?://\S+"),
    re.compile(r"<[^>]+>"),                              # HTML tags
    re.compile(r"^#+\s*[\d.]+\s", re.M),                 # a heading's chapter number: "# 02 Describe", "## 1. Which"
    # references to figures, tables, sections, chapters and notebooks: "Figure 10.2", "Figures 5-7",
    # "Tables 2 and 3", "section 3.3", "chapter 09", "Figure 4a"
    re.compile(r"\b(?:Figures?|Tables?|[Ss]ections?|[Cc]hapters?|[Nn]otebooks?|[Ff]ootnotes?|pages?|p\.)"
               r"\s+\d+(?:\.\d+)?[a-z]?(?:\s*(?:-|–|,|and|to|&)\s*\d+(?:\.\d+)?[a-z]?)*"),
    re.compile(r"\b\d{2}(?=(?:'s)?\s+(?:adjusts|grades|takes|sets|reads|uses|models|tests|joins))"),  # "08 adjusts"
    re.compile(r"\b\d{1,2}\s+(?:" + _MONTHS + r")\b"),   # the day of a date
    re.compile(r"\b(?:95|90|99)% (?:CI|confidence|prediction)"),
    re.compile(r"\bp\s*[<≤]\s*\.\d+"),                   # significance thresholds
    re.compile(r"\bper 10,000\b|\bper 100,000\b"),       # the unit of a rate (per 10,000 children; entries per 100,000)
    re.compile(r"\b(?:19|20)\d{2}-\d{2}(?:-\d{2})?\b"),    # a financial year (2015-16) or a date (2018-10-31)
    re.compile(r"\b(?:aged|under|over)[ -]\d+(?:-\d+)?s?\b|\b0-1[578]\b"
               r"|\b(?:under 1|1-4|5-9|10-15|16 (?:and|or) over)\b"),  # age bands of a definition (DfE's bands of entries)
]

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_./\\])([-−+]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?![A-Za-z0-9_]|\.\d)")


@dataclass(frozen=True)
class Claim:
    """A number found in prose: where, what was written, and the sentence around it."""

    notebook: str
    cell: int
    number: str
    context: str


def prose(notebook) -> list[tuple[int, str]]:
    """(cell index, text) of every Markdown cell and Markdown output of an executed notebook."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    out = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "markdown":
            out.append((index, _text(cell.get("source", ""))))
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text is not None:
                out.append((index, _text(text)))
    return out


def displayed_values(notebook) -> list[str]:
    """The numbers of every table a notebook displays (its HTML outputs), as written there."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    values = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html")
            if text is None:
                continue
            plain = html.unescape(re.sub(r"<[^>]+>", " ", _text(text)))
            values += [m.group(1) + m.group(2) for m in _NUMBER.finditer(plain)]
    return values


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def numbers(text: str) -> list[tuple[str, str, int]]:
    """(as written, the sentence around it, start) of each number in ``text`` that may be a claim."""
    cleaned = text
    for pattern in _SKIP:
        cleaned = pattern.sub(lambda m: " " * len(m.group(0)), cleaned)
    found = []
    for match in _NUMBER.finditer(cleaned):
        sign, body = match.group(1), match.group(2)
        plain = body.replace(",", "")
        if "." not in plain and "," not in body and 1990 <= int(plain) <= 2035:
            continue  # a year
        if re.fullmatch(r"0\d", body):
            continue  # a chapter's number ("09's joint model", "(03)"): no quantity is written with a leading zero
        start = max(0, match.start() - 60)
        found.append((sign.replace("−", "-") + body, " ".join(text[start:match.end() + 30].split()), match.start()))
    return found


def _decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def _formatted(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _add(pool: dict[int, set[str]], value: float) -> None:
    if not math.isfinite(value):
        return
    for v in (value, 100.0 * value):
        if abs(v) > 1e12:
            continue
        for d in range(MAX_DECIMALS + 1):
            pool[d].add(_formatted(abs(v), d))


@lru_cache(maxsize=256)
def _file_pool(path: str, stamp: float) -> dict[int, frozenset[str]]:
    pool: dict[int, set[str]] = {d: set() for d in range(MAX_DECIMALS + 1)}
    if True:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    try:
                        value = float(cell)
                    except ValueError:
                        continue
                    _add(pool, value)
    return {d: frozenset(v) for d, v in pool.items()}


def result_files(notebook, figures) -> list[Path]:
    """The result files of ``figures/`` a notebook names in its code (it writes or reads them),
    its own ``tests_<notebook>.csv``, every ``tests_*.csv`` if it calls ``read_tests`` and the
    association tables if it names them, and the report's published values (``report_values.csv``)
    if it reads them through ``carerates.scorecard``. A number in its prose traces to these only."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    code = "\n".join(_text(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    own = "tests_" + Path(notebook).stem
    files = []
    for path in sorted(Path(figures).glob("*.csv")):
        parts = path.stem.split("_", 2)
        # a name built in code: f"table_{CHAPTER}h_panel_model" names table_10h_panel_model
        built = (len(parts) == 3 and re.fullmatch(r"\d{2}[a-z]?", parts[1]) is not None
                 and (parts[1][2:] + "_" + parts[2]) in code and len(parts[1]) == 3)
        if (path.stem in code or built or path.stem == own
                or (path.stem.startswith("tests_") and "read_tests" in code)
                or (path.stem.startswith("associations") and "associations" in code)):
            files.append(path)
    if "scorecard" in code or "report_values" in code:
        # the report's published values, which a chapter reads as a yardstick (never as an input)
        from ..scorecard import spec_path

        if spec_path().exists():
            files.append(spec_path())
    return files


def figures_pool(files) -> dict[int, set[str]]:
    """Every value of the CSV ``files`` formatted at 0..6 decimals (as itself, |v| and 100 v)."""
    pool: dict[int, set[str]] = {d: set() for d in range(MAX_DECIMALS + 1)}
    for path in files:
        for d, values in _file_pool(str(path), path.stat().st_mtime).items():
            pool[d] |= values
    return pool


def traces(number: str, pool: dict[int, frozenset[str]], shown: dict[int, set[str]]) -> bool:
    """Whether ``number`` (as written) equals a value of the pool or of a displayed table at its precision."""
    d = _decimals(number)
    if d > MAX_DECIMALS:
        return False
    text = number.lstrip("+-").replace(",", "")
    if text.startswith("."):
        text = "0" + text
    return text in pool[d] or text in shown.get(d, ())


def untraceable(notebook, figures) -> list[Claim]:
    """Every number in the notebook's prose that traces to no value in ``figures`` or its displayed tables."""
    pool = figures_pool(result_files(notebook, figures))
    shown: dict[int, set[str]] = {d: set() for d in range(MAX_DECIMALS + 1)}
    for written in displayed_values(notebook):
        try:
            _add(shown, float(written.replace(",", "").replace("−", "-")))
        except ValueError:
            continue
    name = Path(notebook).stem
    return [Claim(name, cell, number, context)
            for cell, text in prose(notebook)
            for number, context, _ in numbers(text)
            if not traces(number, pool, shown)]


def read_exemptions(path) -> list[dict]:
    """Rows of the exemptions file (notebook, cell, number, reason); a row without a reason is refused."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for line, row in enumerate(rows, start=2):
        if not (row.get("reason") or "").strip():
            raise ValueError(f"{path}: line {line} exempts {row.get('number')!r} without a reason")
    return rows


def report(claims: list[Claim]) -> str:
    """The untraceable numbers, one line each: notebook, cell, number, its context."""
    return "\n".join(f"{c.notebook} cell {c.cell}: {c.number!r} in '...{c.context}...'" for c in claims)
