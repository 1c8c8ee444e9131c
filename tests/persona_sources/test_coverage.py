"""No silent loss, measured: how much of each source reached the persona, reported and enforced."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from persona_sources import PersonaError, Section, SourceContext, SourceType, hookimpl, load_persona
from persona_sources.check import CheckReport, check_persona
from persona_sources.compiled import COMPILED_NAME
from persona_sources.coverage import measure
from persona_sources.model import InputReport, SourceSpec
from persona_sources.plugins import new_plugin_manager, source_types
from service.cli import main
from tests.conftest import EXAMPLE_PERSONA


class Forgetful:
    """A text source type that drops every line containing "forget": a loader that loses text."""

    @staticmethod
    def load(ctx: SourceContext) -> list[Section]:
        kept = [line for line in ctx.read_text().splitlines() if "forget" not in line]
        return [Section(source_id=ctx.spec.id, source_type="forgetful", title="Notes", text="\n".join(kept))]

    @hookimpl
    def register_persona_sources(self, register: Callable[[SourceType], None]) -> None:
        register(SourceType(name="forgetful", load=self.load, help="Forgets some lines."))


class Silent:
    """A source type that reads bytes and says nothing about what it read."""

    @staticmethod
    def load(ctx: SourceContext) -> list[Section]:
        text = ctx.read_bytes().decode()
        return [Section(source_id=ctx.spec.id, source_type="silent", title="Notes", text=text)]

    @hookimpl
    def register_persona_sources(self, register: Callable[[SourceType], None]) -> None:
        register(SourceType(name="silent", load=self.load, help="Reports nothing."))


@pytest.fixture
def types() -> Iterator[dict[str, SourceType]]:
    pm = new_plugin_manager(external=False)
    pm.register(Forgetful(), name="forgetful")
    pm.register(Silent(), name="silent")
    try:
        yield source_types(pm)
    finally:
        pm.unregister(name="forgetful")
        pm.unregister(name="silent")


def persona_with(tmp_path: Path, source_type: str, notes: str) -> Path:
    (tmp_path / "facts.json").write_text(json.dumps({"full_name": "Ada Example"}))
    (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n'
        f'[[sources]]\nid = "notes"\ntype = "{source_type}"\npath = "notes.md"\n'
    )
    return tmp_path


def check(persona_dir: Path, types: dict[str, SourceType], minimum: float = 0.98) -> CheckReport:
    return check_persona(
        persona_dir,
        count_tokens=lambda text: len(text) // 4,
        prompt_budget=100_000,
        max_age=timedelta(days=365),
        now=datetime(2026, 1, 1, tzinfo=UTC),
        source_types=types,
        min_coverage=minimum,
    )


NOTES = "I build robots.\nI forget birthdays.\nI ship on Fridays.\n"


def test_every_source_of_the_example_persona_keeps_every_word() -> None:
    coverage = {c.source_id: c for c in load_persona(EXAMPLE_PERSONA, use_compiled=False).coverage}
    assert set(coverage) == {"summary", "style", "facts", "linkedin"}
    assert all(c.measured and c.missing == () and c.covered == c.words > 100 for c in coverage.values())
    linkedin = coverage["linkedin"]
    assert linkedin.summary().startswith(f"linkedin: 100% of {linkedin.words} words")
    assert linkedin.private == 6  # the contact block: email, phone, profile URL (two lines), address
    assert coverage["facts"].private == 1  # facts.json's private email


def test_a_source_that_loses_lines_fails_the_check_naming_them(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    report = check(persona_with(tmp_path, "forgetful", NOTES), types)
    [error] = report.errors
    assert "persona source 'notes' (forgetful) lost text" in error.message
    assert "notes: 70% of 10 words" in error.message and "below the 98% threshold" in error.message
    assert "'I forget birthdays.'" in error.message
    assert report.persona is None


def test_below_a_lower_threshold_lost_lines_are_still_named(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    report = check(persona_with(tmp_path, "forgetful", NOTES), types, minimum=0.5)
    assert report.errors == [] and report.persona is not None
    assert [w.message for w in report.warnings] == [
        "persona source 'notes' (forgetful): not in the persona: 'I forget birthdays.'"
    ]


def test_a_loader_that_reports_nothing_is_not_measured_and_says_so(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    report = check(persona_with(tmp_path, "silent", NOTES), types)
    assert report.findings == ()
    notes = next(c for c in report.coverage if c.source_id == "notes")
    assert not notes.measured
    assert notes.summary() == "notes: coverage not measured (the silent loader does not report what it read)"


def test_each_sources_coverage_is_logged_when_the_persona_is_composed(
    tmp_path: Path, types: dict[str, SourceType], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="twin.persona"):
        load_persona(persona_with(tmp_path, "forgetful", NOTES), types)
    messages = [r.getMessage() for r in caplog.records]
    assert "persona coverage facts: 100% of 4 words" in messages
    [lost] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "notes: 70% of 10 words" in lost.getMessage() and "'I forget birthdays.'" in lost.getMessage()


def test_text_facts_and_owner_answers_keep_every_word_and_private_facts_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "facts.json").write_text(
        json.dumps(
            {
                "full_name": "Ada Example",
                "email": "ada@example.com",
                "languages": ["Go", "Rust"],
                "availability": {"from": "May 2026", "remote": True},
                "private": ["email"],
            }
        )
    )
    (tmp_path / "answers.json").write_text(json.dumps([{"question": "Do you sail?", "answer": "Badly."}]))
    (tmp_path / "bio.md").write_text("\ufeffI build robots.\n", encoding="utf-8")
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n'
        '[[sources]]\nid = "answers"\ntype = "owner_answers"\npath = "answers.json"\n'
        '[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\n'
    )
    persona = load_persona(tmp_path)
    assert [(c.source_id, c.ratio, c.private) for c in persona.coverage] == [
        ("facts", 1.0, 1),
        ("answers", 1.0, 0),
        ("bio", 1.0, 0),
    ]
    bio = next(s for s in persona.sections if s.source_id == "bio")
    assert bio.text == "I build robots."  # the byte-order mark is not text


def test_an_export_that_loses_text_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The LinkedIn loader measured against its own input: a parser bug that drops the summary."""
    from persona_sources.builtin import linkedin_pdf

    persona_dir = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, persona_dir, ignore=shutil.ignore_patterns(COMPILED_NAME))
    real = linkedin_pdf.profile_sections
    monkeypatch.setattr(
        linkedin_pdf,
        "profile_sections",
        lambda *args, **kwargs: [s for s in real(*args, **kwargs) if s.kind != "summary"],
    )
    report = check_persona(
        persona_dir,
        count_tokens=len,
        prompt_budget=1_000_000,
        max_age=timedelta(days=10_000),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    [error] = report.errors
    assert "persona source 'linkedin' (linkedin_pdf) lost text" in error.message
    assert "79% of 489 words" in error.message
    assert (
        "not in the persona: 'Platform engineer with ten years of building the paved roads other engineers'; "
        in (error.message)
    )


def test_twin_persona_check_prints_the_coverage_of_every_source(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PERSONA_DIR", str(EXAMPLE_PERSONA))
    assert main(["persona", "check", "--max-age-days", "36500"]) == 0
    out = capsys.readouterr().out
    assert "coverage linkedin: 100% of " in out and "coverage facts: 100% of" in out
    assert main(["persona", "show"]) == 0
    assert "coverage linkedin: 100% of " in capsys.readouterr().out
    with pytest.raises(SystemExit, match="min-coverage"):
        main(["persona", "check", "--min-coverage", "140"])


def test_a_persona_without_a_name_still_fails_as_before(tmp_path: Path) -> None:
    (tmp_path / "bio.md").write_text("I build robots.")
    (tmp_path / "persona.toml").write_text('[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\n')
    with pytest.raises(PersonaError, match="has no name"):
        load_persona(tmp_path)


def test_a_compiled_persona_keeps_its_coverage_and_logs_it_when_loaded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from persona_sources.compiled import write_compiled
    from persona_sources.compose import compose_sources

    persona_dir = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, persona_dir, ignore=shutil.ignore_patterns(COMPILED_NAME))
    write_compiled(compose_sources(persona_dir), persona_dir)
    with caplog.at_level(logging.INFO, logger="twin.persona"):
        persona = load_persona(persona_dir)
    assert [c.source_id for c in persona.coverage] == ["summary", "style", "facts", "linkedin"]
    assert any(
        r.getMessage().startswith("persona coverage (as built) linkedin: 100% of") for r in caplog.records
    )


def test_lines_in_any_order_repeated_or_split_over_sections_are_found_and_the_rest_named() -> None:
    spec = SourceSpec(id="notes", type="text", path="notes.md")
    sections = [
        Section(source_id="notes", source_type="text", title="One", text="alpha beta\ngamma delta\nepsilon"),
        Section(source_id="notes", source_type="text", title="Two", text="zeta eta\ntheta"),
    ]
    lines = ["epsilon", "Alpha, beta!", "zeta eta", "alpha beta", "gamma delta", "theta", "iota kappa", "Two"]
    report = InputReport(lines=lines, reported=True)
    coverage = measure(spec, report, sections)
    assert (coverage.words, coverage.covered, coverage.missing) == (13, 11, ("iota kappa",))
