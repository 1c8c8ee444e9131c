"""Benchmarks rewrite only their own section of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from bench.report import HEADER, write_section


def test_creates_the_document_with_a_header(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section("store", "first", doc)
    text = doc.read_text()
    assert text.startswith(HEADER) and "<!-- store:start -->\nfirst\n<!-- store:end -->" in text


def test_replaces_its_section_and_keeps_the_others(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section("lambda", "kept above", doc)
    write_section("store", "old", doc)
    write_section("judge", "kept below", doc)
    write_section("store", "new", doc)
    text = doc.read_text()
    assert "old" not in text and text.count("<!-- store:start -->") == 1
    assert text.index("kept above") < text.index("new") < text.index("kept below")
