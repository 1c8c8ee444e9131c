"""Writing a benchmark's figures into its own delimited section of docs/benchmarks.md."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nFigures written by the scripts in `bench/` (run them again to refresh a section). "
    "Each compares its subjects side by side in one run and quotes medians.\n"
)


def write_section(name: str, body: str, doc: Path = DOC) -> None:
    """Replace (or append) the section between `<!-- name:start -->` and `<!-- name:end -->`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
