"""The compiled persona: loaded instead of parsing sources, and never trusted once they change."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import msgspec
import pytest

from persona_sources import PersonaError, load_persona
from persona_sources.compiled import COMPILED_NAME, compiled_state, write_compiled
from persona_sources.compose import compose_sources
from tests.conftest import EXAMPLE_PERSONA


@pytest.fixture
def persona_dir(tmp_path: Path) -> Path:
    target = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, target, ignore=shutil.ignore_patterns(COMPILED_NAME))
    return target


def test_a_fresh_compiled_persona_is_loaded_without_any_source_plugin(persona_dir: Path) -> None:
    built = compose_sources(persona_dir)
    write_compiled(built, persona_dir)
    assert compiled_state(persona_dir) == "fresh"
    # No source types at all: composing from sources would fail, so this proves nothing was parsed.
    assert load_persona(persona_dir, source_types={}) == built


def test_a_stale_compiled_persona_is_reported_and_the_sources_win(
    persona_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_compiled(compose_sources(persona_dir), persona_dir)
    (persona_dir / "summary.md").write_text("I now breed alpacas in the Algarve.\n", encoding="utf-8")
    assert compiled_state(persona_dir) == "stale"
    with caplog.at_level(logging.WARNING, logger="twin.persona"):
        persona = load_persona(persona_dir)
    assert "alpacas" in persona.prompt
    assert "is stale" in caplog.text


def test_a_persona_compiled_under_other_prompt_rules_is_stale(
    persona_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A code change to the rules must reach a persona compiled before it, not wait for a source edit."""
    built = compose_sources(persona_dir)
    path = write_compiled(built, persona_dir)
    old = msgspec.json.decode(path.read_bytes())
    old["prompt_version"] = "0123456789abcdef"
    old["persona"]["prompt"] = "Old rules."
    path.write_bytes(msgspec.json.encode(old))
    assert compiled_state(persona_dir) == "stale"
    with caplog.at_level(logging.WARNING, logger="twin.persona"):
        assert load_persona(persona_dir) == built  # composed again from the sources
    assert "other prompt rules" in caplog.text
    shipped = tmp_path / "shipped"  # no sources beside it: the only persona there is, with a warning
    shipped.mkdir()
    (shipped / COMPILED_NAME).write_bytes(path.read_bytes())
    assert load_persona(shipped, source_types={}).prompt == "Old rules."


def test_a_compiled_persona_alone_is_used_as_is(persona_dir: Path, tmp_path: Path) -> None:
    """As on Lambda: only the compiled file is shipped, no sources beside it."""
    built = compose_sources(persona_dir)
    shipped = tmp_path / "shipped"
    write_compiled(built, persona_dir, shipped / COMPILED_NAME)
    assert load_persona(shipped, source_types={}) == built


def test_a_corrupt_compiled_persona_gives_way_to_the_sources_beside_it_with_a_warning(
    persona_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (persona_dir / COMPILED_NAME).write_text('{"format": 1, "broken', encoding="utf-8")
    assert compiled_state(persona_dir) == "unreadable"
    with caplog.at_level(logging.WARNING, logger="twin.persona"):
        assert load_persona(persona_dir) == compose_sources(persona_dir)
    assert "cannot be read" in caplog.text and "composing from the sources" in caplog.text


def test_a_corrupt_compiled_persona_alone_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / COMPILED_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(PersonaError, match=r"compiled persona .* cannot be read.*twin persona build"):
        load_persona(tmp_path, source_types={})
