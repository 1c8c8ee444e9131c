"""Published JSON-LD and llms.txt say what the twin says, and nothing private."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona_sources import Persona, load_persona
from persona_sources.publish import llms_txt, person_jsonld, person_jsonld_text
from tests.conftest import EXAMPLE_PERSONA


@pytest.fixture(scope="module")
def persona() -> Persona:
    return load_persona(EXAMPLE_PERSONA)


def test_jsonld_is_a_schema_org_person_from_the_public_facts(persona: Persona) -> None:
    person = person_jsonld(persona)
    assert person["@context"] == "https://schema.org" and person["@type"] == "Person"
    assert person["jobTitle"] == "Staff Platform Engineer"
    assert person["worksFor"] == {"@type": "Organization", "name": "Corvina Pay"}
    assert {"@type": "EducationalOrganization", "name": "KTH Royal Institute of Technology"} in person[
        "alumniOf"
    ]
    assert "Kubernetes" in person["knowsAbout"]
    assert person["knowsLanguage"][:2] == ["Swedish", "English"]
    assert person["sameAs"] == ["https://www.linkedin.com/in/freja-holmqvist-example"]


def test_llms_txt_has_title_summary_and_sections(persona: Persona) -> None:
    text = llms_txt(persona)
    assert text.startswith("# Freja Holmqvist\n\n> Staff Platform Engineer at Corvina Pay")
    assert "## Experience\n\n- Staff Platform Engineer at Corvina Pay (March 2021 - Present)" in text
    assert "## Education" in text and "## Languages" in text


def test_nothing_private_is_published(persona: Persona) -> None:
    published = person_jsonld_text(persona) + llms_txt(persona)
    for private in ("freja.holmqvist@example.com", "+351 900", "Rua Exemplo"):
        assert private not in published


def test_honours_are_published_as_awards(persona: Persona) -> None:
    assert "Corvina Pay Staff Impact Award 2023" in person_jsonld(persona)["award"]
    assert "## Honors and awards\n\n- Corvina Pay Staff Impact Award 2023" in llms_txt(persona)


def test_publish_names_the_sources_it_leaves_out(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from service.cli import main

    monkeypatch.setenv("PERSONA_DIR", str(EXAMPLE_PERSONA))
    assert main(["persona", "publish", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not published (the files carry the kinds profile, summary, experience" in out
    assert "  'style' (text): 1 style section" in out and "  'facts' (facts): 1 facts section" in out


def test_the_mcp_endpoint_is_named_only_when_given(persona: Persona) -> None:
    url = "https://api.example.com/mcp"
    assert "potentialAction" not in person_jsonld(persona) and "MCP" not in llms_txt(persona)
    action = person_jsonld(persona, mcp_url=url)["potentialAction"]
    assert action["@type"] == "AskAction" and action["target"] == {
        "@type": "EntryPoint",
        "urlTemplate": url,
        "httpMethod": "POST",
        "contentType": "application/json",
        "actionPlatform": "https://modelcontextprotocol.io",
    }
    endpoint = f"- [MCP endpoint]({url}): ask the twin, read the profile, leave a message\n"
    assert llms_txt(persona, mcp_url=url).endswith(f"## Ask my digital twin\n\n{endpoint}")
