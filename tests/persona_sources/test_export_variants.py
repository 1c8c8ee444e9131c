"""Exports nobody on the team laid out: every fact of a generated export reaches the profile and the
persona, in any of the ten export languages and any look, and nothing of its contact block does."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_sources import load_persona
from persona_sources.builtin.linkedin_profile import parse_profile
from persona_sources.builtin.pdf_lines import read_pdf_lines
from tests.support.export_variants import (
    LANGUAGES,
    Variant,
    contact_values,
    expected,
    public_values,
    render,
    write_persona,
)


def parsed(variant: Variant) -> dict[str, object]:
    document = read_pdf_lines(variant.pdf)
    profile = parse_profile(document.lines, document.page_width)
    return {
        "name": profile.name,
        "headline": profile.headline,
        "location": profile.location,
        "positions": [(p.company, p.title, p.start, p.end, p.location) for p in profile.positions],
        "education": [(s.school, s.degree, s.dates) for s in profile.education],
        "lists": profile.lists,
    }


def flat(text: str) -> str:
    return " ".join(text.split())


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rng=st.randoms(use_true_random=False), language=st.sampled_from(sorted(LANGUAGES)))
def test_every_fact_of_a_generated_export_reaches_the_profile_and_the_persona_and_no_contact_does(
    rng: random.Random, language: str
) -> None:
    variant = render(rng, LANGUAGES[language])
    assert parsed(variant) == expected(variant.profile)
    with tempfile.TemporaryDirectory() as directory:
        persona = load_persona(write_persona(Path(directory), variant.pdf))
    prompt = flat(persona.prompt)
    for value in public_values(variant.profile):
        assert flat(value) in prompt
    for value in contact_values(variant.profile):
        assert value not in prompt
    [coverage] = persona.coverage
    assert coverage.missing == () and coverage.covered == coverage.words > 0


def test_a_seed_gives_the_same_variant_every_time() -> None:
    first, second = render(random.Random(3), LANGUAGES["it"]), render(random.Random(3), LANGUAGES["it"])
    assert first.profile == second.profile and first.pdf == second.pdf
