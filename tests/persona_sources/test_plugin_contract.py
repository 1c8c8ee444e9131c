"""What a source type declares and the host enforces: options, emptiness, citations, its code."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import msgspec
import pytest

from persona_sources import (
    PersonaError,
    Section,
    SourceContext,
    SourceError,
    SourceSpec,
    SourceType,
    hookimpl,
)
from persona_sources import load_persona as load
from persona_sources.check import check_persona
from persona_sources.compiled import COMPILED_NAME, compiled_state, write_compiled
from persona_sources.compose import compose_sources
from persona_sources.plugins import new_plugin_manager, source_types
from persona_sources.publish import left_out
from tests.conftest import EXAMPLE_PERSONA


class BookOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    min_rating: int = 4


def load_books(ctx: SourceContext) -> list[Section]:
    minimum = ctx.options(BookOptions).min_rating
    rows = [line.split(",") for line in ctx.read_text().splitlines()[1:]]
    books = [title for title, rating in rows if int(rating) >= minimum]
    ctx.report_input([title for title, _ in rows], private=[])
    if not books:
        return []
    return [
        Section(
            source_id=ctx.spec.id,
            source_type="books",
            title=ctx.spec.title or "Books",
            text="Books I loved: " + "; ".join(books) + ".",
            kind="books",
            items=tuple(books),
        )
    ]


class Books:
    """A plugin as an owner writes it from docs/plugins.md: options, may be empty, own kind."""

    @hookimpl
    def register_persona_sources(self, register: Callable[[SourceType], None]) -> None:
        register(
            SourceType(
                name="books", load=load_books, help="A CSV of books.", options=BookOptions, may_be_empty=True
            )
        )


@pytest.fixture
def types() -> Iterator[dict[str, SourceType]]:
    pm = new_plugin_manager(external=False)
    pm.register(Books(), name="books-plugin")
    try:
        yield source_types(pm)
    finally:
        pm.unregister(name="books-plugin")


def persona_dir(tmp_path: Path, books: str, extra: str = "") -> Path:
    (tmp_path / "facts.json").write_text(json.dumps({"full_name": "Ada Example"}))
    (tmp_path / "books.csv").write_text(f"title,rating\n{books}", encoding="utf-8")
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n'
        f'[[sources]]\nid = "reading"\ntype = "books"\npath = "books.csv"\ntitle = "Books I rated"\n{extra}'
    )
    return tmp_path


def check(directory: Path, types: dict[str, SourceType] | None = None):  # type: ignore[no-untyped-def]
    return check_persona(
        directory,
        count_tokens=len,
        prompt_budget=1_000_000,
        max_age=timedelta(days=100_000),
        now=datetime(2026, 1, 1, tzinfo=UTC),
        source_types=types,
    )


def test_a_misspelt_option_of_a_builtin_fails_the_check_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, target, ignore=shutil.ignore_patterns(COMPILED_NAME))
    manifest = target / "persona.toml"
    manifest.write_text(
        manifest.read_text().replace('path = "linkedin.pdf"', 'path = "linkedin.pdf"\ninclude_contcat = true')
    )
    [error] = check(target).errors
    assert error.message.startswith("persona source 'linkedin' (linkedin_pdf, ")
    assert (
        "unknown option `include_contcat` (options: `include_contact`); did you mean `include_contact`?"
        in (error.message)
    )


def test_every_bad_option_of_a_source_is_named_not_just_the_first(tmp_path: Path) -> None:
    target = tmp_path / "persona"
    shutil.copytree(EXAMPLE_PERSONA, target, ignore=shutil.ignore_patterns(COMPILED_NAME))
    manifest = target / "persona.toml"
    bad = 'path = "linkedin.pdf"\ninclude_contact = "yes"\nincludecontact = true\nstyle = 1'
    manifest.write_text(manifest.read_text().replace('path = "linkedin.pdf"', bad))
    [error] = check(target).errors
    assert "option `include_contact`: expected `bool`, got `str`" in error.message
    assert "unknown option `includecontact`" in error.message and "unknown option `style`" in error.message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "min_rating = 'four'\n",
            r"'reading' \(books, .*books.csv\): option `min_rating`: expected `int`, got `str`",
        ),
        ("max_rating = 5\n", r"unknown option `max_rating` \(options: `min_rating`\)"),
    ],
    ids=["wrong-type", "unknown-key"],
)
def test_plugin_options_are_checked_by_the_host_naming_source_and_option(
    tmp_path: Path, types: dict[str, SourceType], extra: str, message: str
) -> None:
    with pytest.raises(PersonaError, match=message):
        load(persona_dir(tmp_path, "War and Peace,5\n", extra), types)


def test_a_type_that_declares_no_options_takes_none(tmp_path: Path) -> None:
    (tmp_path / "bio.md").write_text("I build robots.")
    (tmp_path / "facts.json").write_text(json.dumps({"full_name": "Ada Example"}))
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\n'
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\nkind = "summary"\n'
    )
    with pytest.raises(
        PersonaError, match=r"'facts' \(facts, .*\): unknown option `kind` \(options: none besides"
    ):
        load(tmp_path)


def test_a_text_source_is_the_owners_style_only_when_it_says_so(tmp_path: Path) -> None:
    (tmp_path / "bio.md").write_text("I build robots.")
    (tmp_path / "persona.toml").write_text(
        '[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\nkind = "summary"\n'
    )
    with pytest.raises(PersonaError, match=r"option `kind`: invalid enum value 'summary'"):
        load(tmp_path)
    (tmp_path / "persona.toml").write_text(
        '[persona]\nname = "Ada"\n[[sources]]\nid = "bio"\ntype = "text"\npath = "bio.md"\nkind = "style"\n'
    )
    assert [s.kind for s in load(tmp_path).sections] == ["style"]


def test_a_plugins_own_tests_build_a_source_spec_and_read_typed_options(tmp_path: Path) -> None:
    (tmp_path / "books.csv").write_text("title,rating\nDune,5\nUlysses,2\n")
    spec = SourceSpec(id="reading", type="books", path="books.csv", options={"min_rating": 3})
    [section] = load_books(SourceContext(spec=spec, persona_dir=tmp_path))
    assert section.items == ("Dune",)
    bad = SourceSpec(id="reading", type="books", path="books.csv", options={"min_rating": "3"})
    with pytest.raises(SourceError, match="option `min_rating`: expected `int`"):
        load_books(SourceContext(spec=bad, persona_dir=tmp_path))


def test_a_source_that_may_be_empty_is_a_note_not_a_failure(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    directory = persona_dir(tmp_path, "Ulysses,2\n")
    report = check(directory, types)
    assert report.errors == [] and report.persona is not None
    assert [(f.level, f.message) for f in report.findings] == [
        (
            "note",
            "persona source 'reading' (books) is empty; its type allows that, so the twin starts without it",
        )
    ]
    assert [s.source_id for s in load(directory, types).sections] == ["facts"]


def test_a_source_that_may_not_be_empty_still_fails_when_empty(tmp_path: Path) -> None:
    (tmp_path / "facts.json").write_text(json.dumps({"private": []}))
    (tmp_path / "persona.toml").write_text('[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n')
    with pytest.raises(PersonaError, match="no public facts"):
        load(tmp_path)


def test_sections_are_cited_by_the_type_s_label_or_the_source_s_own_title(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    persona = load(persona_dir(tmp_path, "War and Peace,5\n"), types)
    assert {s.source_id: s.citation for s in persona.sections} == {
        "facts": "my facts",
        "reading": "my books I rated",
    }
    example = load(EXAMPLE_PERSONA, use_compiled=False)
    assert {s.source_id: s.citation for s in example.sections} == {
        "summary": "my summary",
        "style": "my communication style",
        "facts": "my facts",
        "linkedin": "my LinkedIn profile",
    }


def test_a_custom_kind_is_named_as_left_out_of_the_published_files(
    tmp_path: Path, types: dict[str, SourceType]
) -> None:
    persona = load(persona_dir(tmp_path, "War and Peace,5\n"), types)
    assert left_out(persona) == ["'facts' (facts): 1 facts section", "'reading' (books): 1 books section"]


PLUGIN = """
from persona_sources import Section, SourceType, hookimpl

def load(ctx):
    return [Section(source_id=ctx.spec.id, source_type="quote", title="Quote", text=ctx.read_text().upper())]

@hookimpl
def register_persona_sources(register):
    register(SourceType(name="quote", load=load, help="A quote."))
"""


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def test_editing_a_plugin_makes_the_compiled_persona_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin outside any release (here a module on its own) is identified by its files' hash."""
    code = tmp_path / "quote_plugin_for_test.py"
    code.write_text(PLUGIN)
    persona = tmp_path / "persona"
    persona.mkdir()
    (persona / "facts.json").write_text(json.dumps({"full_name": "Ada Example"}))
    (persona / "quote.txt").write_text("ship it")
    (persona / "persona.toml").write_text(
        '[[sources]]\nid = "facts"\ntype = "facts"\npath = "facts.json"\n'
        '[[sources]]\nid = "q"\ntype = "quote"\npath = "quote.txt"\n'
    )

    def installed() -> dict[str, SourceType]:
        sys.modules.pop(code.stem, None)
        pm = new_plugin_manager(external=False)
        pm.register(_module(code), name="quote")
        return source_types(pm)

    from persona_sources import compiled

    monkeypatch.setattr(compiled, "default_source_types", installed)
    try:
        write_compiled(compose_sources(persona, installed()), persona)
        assert compiled_state(persona) == "fresh"
        assert installed()["quote"].code.startswith("files ")
        code.write_text(PLUGIN.replace(".upper()", ".title()"))
        assert compiled_state(persona) == "stale"
    finally:
        sys.modules.pop(code.stem, None)


def test_declared_options_are_described_from_their_struct() -> None:
    from persona_sources.builtin.linkedin_pdf import LinkedInOptions
    from persona_sources.options import NoOptions, describe_options

    assert describe_options(BookOptions) == "min_rating (int, default 4)"
    assert describe_options(LinkedInOptions) == "include_contact (bool, default false)"
    assert describe_options(NoOptions) == "none besides path and title"
