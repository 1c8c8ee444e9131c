"""`check_persona`: every broken source, conflicts, stale exports and the prompt budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from persona_sources.check import check_persona
from tests.support.linkedin import generator

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def run(persona_dir: Path, budget: int = 100_000, max_age_days: int = 365):  # type: ignore[no-untyped-def]
    return check_persona(
        persona_dir,
        count_tokens=lambda text: len(text) // 4,
        prompt_budget=budget,
        max_age=timedelta(days=max_age_days),
        now=NOW,
    )


def persona(
    tmp_path: Path, facts: dict[str, str], profile_name: str = "Ada Example", created: datetime = NOW
) -> Path:
    profile = {
        "name": profile_name,
        "experience": [
            {"company": "Acme", "roles": [{"title": "Staff Engineer", "start": "2020", "end": "Present"}]}
        ],
    }
    (tmp_path / "linkedin.pdf").write_bytes(generator().render_linkedin_pdf(profile, creation_date=created))
    (tmp_path / "facts.json").write_text(json.dumps(facts))
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n'
        '[[sources]]\nid = "linkedin"\ntype = "linkedin_pdf"\npath = "linkedin.pdf"\n'
    )
    return tmp_path


def test_consistent_sources_pass_without_findings(tmp_path: Path) -> None:
    report = run(persona(tmp_path, {"full_name": "Ada Example", "current_role": "Staff Engineer"}))
    assert report.findings == ()
    assert report.persona is not None and report.prompt_tokens > 0


def test_sources_that_disagree_on_name_or_role_are_errors_naming_both(tmp_path: Path) -> None:
    report = run(persona(tmp_path, {"full_name": "Ada Sample", "current_role": "Principal Engineer"}))
    messages = [f.message for f in report.errors]
    assert any(
        "full_name" in m and "'facts' says 'Ada Sample'" in m and "'linkedin' says 'Ada Example'" in m
        for m in messages
    )
    assert any("current_role" in m and "Principal Engineer" in m and "Staff Engineer" in m for m in messages)


def test_an_old_export_is_a_warning_with_its_date(tmp_path: Path) -> None:
    report = run(persona(tmp_path, {"full_name": "Ada Example"}, created=NOW - timedelta(days=400)))
    assert [f.level for f in report.findings] == ["warning"]
    assert "400 days ago" in report.findings[0].message
    assert run(tmp_path, max_age_days=500).findings == ()


def test_a_prompt_over_the_model_budget_is_an_error(tmp_path: Path) -> None:
    report = run(persona(tmp_path, {"full_name": "Ada Example"}), budget=50)
    assert any("budget" in f.message for f in report.errors)


def test_every_broken_source_is_reported_not_just_the_first(tmp_path: Path) -> None:
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "a"\ntype = "text"\npath = "missing.md"\n'
        '[[sources]]\nid = "b"\ntype = "facts"\npath = "empty.json"\n'
        '[[sources]]\nid = "c"\ntype = "nope"\n'
    )
    (tmp_path / "empty.json").write_text("")
    report = run(tmp_path)
    assert len(report.errors) == 3
    assert report.persona is None


def test_a_file_no_source_reads_is_a_note_and_the_build_and_hidden_files_are_not(tmp_path: Path) -> None:
    directory = persona(tmp_path, {"full_name": "Ada Example"})
    (directory / "summary.md").write_text("I build robots.")  # dropped in, never listed
    (directory / "old").mkdir()
    (directory / "old" / "cv.txt").write_text("2019 CV")
    (directory / "persona.compiled.json").write_text("{}")
    (directory / ".DS_Store").write_text("")
    (directory / "evals.toml").write_text("")
    report = check_persona(
        directory,
        count_tokens=lambda text: len(text) // 4,
        prompt_budget=100_000,
        max_age=timedelta(days=365),
        now=NOW,
        read_elsewhere=("evals.toml",),
    )
    assert [(f.level, f.message) for f in report.findings] == [
        ("note", "old/cv.txt is in the persona directory, but no source reads it"),
        ("note", "summary.md is in the persona directory, but no source reads it"),
    ]
    assert not report.errors and not report.warnings
