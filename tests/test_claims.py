"""Every number in the prose is one the reader saw, or is labelled background with its source.

A *claim* is a number with a unit in a notebook's Markdown: ``30 s``, ``250 ms``, ``1.5x``,
``18 minutes``, ``53%``, ``409 jobs/s``, ``57 commands``. Each must do one of three things:

- appear, with the same value and unit, in that notebook's stored outputs (``1,000`` and
  ``1000`` are the same value; ``s``, ``sec`` and ``seconds`` the same unit);
- be produced by a code cell: the same value and unit appear in a code cell's source, where
  the code prints it or says it (``f"{delay:.0f} s"`` does not count, ``# every 0.1 s`` does);
- sit inside a **background block**: a blockquote whose first line starts with
  ``> **Background`` and which names its source, a link (``https://...``) or a file, optionally
  with a line (``rq/worker/base.py:600``, ``src/aof.c``, ``notebooks/bench/results.json``) or a
  manual page (``systemd.kill(5)``). Every background block must name one.

Not claims: inline code and code blocks (commands and settings, ```` `WAIT 1 1000` ````), and
the header line ``**Teaching:** ... · **Exercises:** ...``, whose minutes are estimates
(INSTRUCTORS.md says so), and versions (``3.11.7``). The README's benchmark section follows the
same rules against ``notebooks/bench/results.json``: each number there, with or without a unit,
must round from a value in that file, outside background blocks, a table's ``target`` column
(goals) and notebook names ("notebook 09").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))

UNITS = {
    "ms": "ms", "µs": "µs", "s": "s", "sec": "s", "second": "s", "seconds": "s",
    "min": "min", "minute": "min", "minutes": "min", "x": "x", "×": "x", "%": "%",
    "jobs/s": "jobs/s", "pairs/s": "pairs/s", "commands": "commands",
}
#: A number, not part of a word, a version (3.11.7) or a name (x86_64).
NUMBER = r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![.,]?\d)"
CLAIM = re.compile(NUMBER + r"(?:\s?|-)(jobs/s|pairs/s|commands|seconds|second|minutes|minute"
                   r"|min|sec|ms|µs|s|×|x|%)(?![\w/])")
SOURCE = re.compile(r"https?://|[\w./-]+\.(?:py|c|h|json|md|conf|toml|cfg)\b|\w[\w.-]*\(\d\)")
HEADER_ESTIMATE = re.compile(r"^\*\*Teaching:\*\*.*$", re.M)


def _value(whole: str, fraction: str | None) -> float:
    return float(whole.replace(",", "") + (fraction or ""))


def claims(text: str) -> list[tuple[float, str, str]]:
    """(value, canonical unit, as written) for every number with a unit in ``text``."""
    return [(_value(m[1], m[2]), UNITS[m[3]], m[0]) for m in CLAIM.finditer(text)]


def strip_code(markdown: str) -> str:
    """``markdown`` without code blocks and inline code: commands and settings, not claims."""
    markdown = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", markdown)


def split_background(markdown: str) -> tuple[str, list[str]]:
    """The prose outside background blocks, and each background block's text."""
    prose, blocks, block = [], [], None
    for line in markdown.splitlines():
        if block is not None and line.startswith(">"):
            block.append(line)
            continue
        if block is not None:
            blocks.append("\n".join(block))
            block = None
        if line.startswith("> **Background"):
            block = [line]
        else:
            prose.append(line)
    if block is not None:
        blocks.append("\n".join(block))
    return "\n".join(prose), blocks


def _output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        for mime in ("text/plain", "text/html"):
            parts.append(str(output.get("data", {}).get(mime, "")))
    return "\n".join(parts)


def unsupported(path: Path) -> list[str]:
    """The claims in ``path``'s Markdown that nothing in the notebook supports."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    shown = {(value, unit) for c in code
             for value, unit, _ in claims(_output_text(c)) + claims(c.source)}
    problems = []
    for cell in (c for c in nb.cells if c.cell_type == "markdown"):
        prose, blocks = split_background(cell.source)
        problems += [f"cell {cell.id}: a background block names no source: {b[:70]!r}"
                     for b in blocks if not SOURCE.search(b)]
        for value, unit, written in claims(HEADER_ESTIMATE.sub("", strip_code(prose))):
            if (value, unit) not in shown:
                problems.append(f"cell {cell.id}: {written!r} is in no output or code cell")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_claim_in_a_notebook_is_shown_or_sourced(path):
    assert unsupported(path) == []


def without_target_column(markdown: str) -> str:
    """``markdown`` with each table's ``target`` column emptied: goals, not measurements."""
    lines, target = [], None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            target = None
        else:
            cells = line.split("|")
            if target is None and "target" in [c.strip() for c in cells]:
                target = [c.strip() for c in cells].index("target")
            elif target is not None and target < len(cells):
                cells[target] = " "
                line = "|".join(cells)
        lines.append(line)
    return "\n".join(lines)


def _bench_values(results: dict) -> list[float]:
    values: list[float] = []

    def walk(node):
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            values.append(float(node))
            if 0 < node < 1:  # shares (0.3) are written as percentages (30%)
                values.append(float(node) * 100)

    walk(results)
    return values


def readme_unsupported(readme: str, results: dict) -> list[str]:
    """The claims in the README's benchmark section that results.json does not round to."""
    section = readme.split("## Benchmarks", 1)[1].split("\n## ", 1)[0]
    prose, blocks = split_background(section)
    prose = strip_code(without_target_column(prose))
    problems = [f"a background block names no source: {b[:70]!r}"
                for b in blocks if not SOURCE.search(b)]
    values = _bench_values(results)
    for match in re.finditer(NUMBER, prose):
        if re.search(r"notebooks? $", prose[:match.start()]):
            continue  # "notebook 09" names a notebook
        written = match[0]
        decimals = len(match[2]) - 1 if match[2] else 0
        number = _value(match[1], match[2])
        if not any(round(v, decimals) == number for v in values):
            problems.append(f"{written!r} (…{prose[max(0, match.start() - 40):match.end() + 15]!r})"
                            " rounds from no value in notebooks/bench/results.json")
    return problems


def test_the_readme_benchmarks_are_the_committed_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    results = json.loads((ROOT / "notebooks" / "bench" / "results.json").read_text())
    assert readme_unsupported(readme, results) == []


def test_a_planted_wrong_number_is_caught(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "08_scale_out.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Two processes run 2.0x as fast, in 12 ms."))
    nb.cells[-1].id = "planted"
    nbformat.write(nb, tmp_path / "planted.ipynb")
    found = unsupported(tmp_path / "planted.ipynb")
    assert "cell planted: '2.0x' is in no output or code cell" in found
    assert "cell planted: '12 ms' is in no output or code cell" in found


def test_background_needs_a_source_and_shields_its_numbers():
    text = ("> **Background** (`rq/defaults.py:52`): every 30 s.\n\n"
            "> **Background**: about 7 s.\n\nShown: 4 s, in Python 3.11.7, `sleep 30`.")
    prose, blocks = split_background(text)
    assert [bool(SOURCE.search(b)) for b in blocks] == [True, False]
    assert claims(strip_code(prose)) == [(4.0, "s", "4 s")]
