"""The store benchmark rewrites only its own section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from bench.store_bench import DOC_HEADER, END, START, update_doc


def section(body: str) -> str:
    return f"{START}\n{body}\n{END}\n"


def test_creates_the_document_with_a_header(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "benchmarks.md"
    update_doc(section("first"), doc)
    text = doc.read_text()
    assert text.startswith(DOC_HEADER) and "first" in text


def test_replaces_its_section_and_keeps_the_others(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    above, below = "# Benchmarks\n\n## Latency of /chat\nkept above\n\n", "\n## Later\nkept below\n"
    doc.write_text(above + section("old") + below)
    update_doc(section("new"), doc)
    text = doc.read_text()
    assert "old" not in text and text.count(START) == 1 and "new" in text
    assert text.index("kept above") < text.index("new") < text.index("kept below")
