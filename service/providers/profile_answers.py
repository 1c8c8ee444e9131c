"""Answers to the questions visitors ask most, from the structured persona, in the first person.

Who are you, how to get in touch, the current role, past employers, a named employer, education,
languages, skills, certifications, location and availability are answered from the sections'
fields and the persona's facts, citing where each came from. A question that matches a topic but
asks more than the facts hold ("Do you speak Japanese?") is left to the grounding rule: every
content word besides the topic's own must be covered by the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from persona_sources import Persona, Section
from service.providers.grounding import Grounder
from service.providers.retrieval import fold, stem, tokenize, word_set

#: Suffixes a company name carries that say nothing about which company it is.
_LEGAL = word_set("gmbh ag inc ltd llc plc sa spa bv nv ab as oy aps kg co corp group the")


@dataclass(frozen=True)
class Reply:
    """An answer: what the visitor reads, and the facts it rests on (for the grounding check)."""

    text: str
    facts: str


@dataclass(frozen=True)
class Topic:
    """A question visitors ask: how to spot it, the words it answers by itself, how to answer."""

    name: str
    pattern: re.Pattern[str]
    vocabulary: frozenset[str]
    answer: Callable[[ProfileAnswers, str], Reply | None]


def _words(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in text.split())


class ProfileAnswers:
    """The persona's facts, ready to answer the common questions."""

    def __init__(self, persona: Persona, grounder: Grounder) -> None:
        self.persona = persona
        self.grounder = grounder
        self.experience = [s for s in persona.sections if s.kind == "experience" and s.fields.get("company")]

    def answer(self, question: str) -> str | None:
        """The reply to a common question, or None when it is not one (or asks beyond the facts)."""
        folded = fold(question)
        for topic in TOPICS:
            if not topic.pattern.search(folded):
                continue
            reply = topic.answer(self, question)
            if reply is None:
                continue
            own = topic.vocabulary | self._named(question)
            rest = [t for t in self.grounder.terms(question) if t.word not in own and not t.generic]
            held = set(tokenize(reply.facts))
            if all(held.intersection(term.matches) for term in rest):
                return reply.text
        return None

    # -- what the persona holds ------------------------------------------------------------

    def fact(self, key: str) -> tuple[str, str] | None:
        """A persona-wide fact and how to cite the section that states it."""
        for section in self.persona.sections:
            if section.facts.get(key):
                return section.facts[key], section.cited_as()
        return None

    def of_kind(self, kind: str) -> list[Section]:
        return [s for s in self.persona.sections if s.kind == kind]

    def summary(self) -> Section | None:
        for section in self.persona.sections:
            about = re.search(r"summary|about|bio", f"{section.source_id} {section.title}", re.I)
            if section.kind == "summary" or (section.kind == "text" and about):
                return section
        return None

    def companies(self, question: str) -> list[str]:
        """The employers the question names (by their name's distinctive first word, or in full)."""
        asked = set(tokenize(question))
        named = []
        for company in dict.fromkeys(s.fields["company"] for s in self.experience):
            significant = [w for w in tokenize(company) if w not in _LEGAL]
            if significant and (
                set(significant) <= asked or (len(significant[0]) >= 4 and significant[0] in asked)
            ):
                named.append(company)
        return named

    def _named(self, question: str) -> frozenset[str]:
        """Words of names the question mentions (an employer, a school): the topic covers them."""
        names = [*self.companies(question), *(s.fields.get("school", "") for s in self.of_kind("education"))]
        asked = set(tokenize(question))
        return frozenset(w for name in names for w in tokenize(name) if w in asked)


def _listed(title: str, lines: Sequence[str], citation: str) -> str:
    return f"{title} (from {citation}):\n\n" + "\n".join(f"- {line}" for line in lines)


def _dates(section: Section) -> str:
    span = " - ".join(v for v in (section.fields.get("start"), section.fields.get("end")) if v)
    return ", ".join(v for v in (span, section.fields.get("location", "")) if v)


def _list_answer(kind: str, fact: str, title: str) -> Callable[[ProfileAnswers, str], Reply | None]:
    """An answer listing the items of the `kind` sections, else the `fact` from facts."""

    def answer(profile: ProfileAnswers, question: str) -> Reply | None:
        sections = profile.of_kind(kind)
        if sections:
            items = [item for section in sections for item in section.entries()]
            return Reply(_listed(title, items, sections[0].cited_as()), "; ".join(items))
        found = profile.fact(fact)
        if found is None:
            return None
        value, citation = found
        return Reply(f"{title}: {value} (from {citation}).", value)

    return answer


def _about(profile: ProfileAnswers, question: str) -> Reply | None:
    persona = profile.persona
    summary = profile.summary()
    intro = f"I'm {persona.full_name}" + (f", {persona.headline}" if persona.headline else "") + "."
    if summary is None:
        return Reply(intro, intro) if persona.headline else None
    first = summary.text.split("\n\n")[0].lstrip("# ").strip()
    if first.lower().startswith(("about me", "summary")) and "\n\n" in summary.text:
        first = summary.text.split("\n\n")[1].strip()
    named = "" if persona.name in first else f"I'm {persona.full_name}. "
    return Reply(f"{named}Here's the short version (from {summary.cited_as()}):\n\n{first}", summary.text)


def _contact(profile: ProfileAnswers, question: str) -> Reply | None:
    name = profile.persona.name
    text = (
        f"The best way is to leave your email address here in the chat: I'll pass it on to {name}, who "
        "will get back to you."
    )
    links = [found for key in ("linkedin", "website", "github") if (found := profile.fact(key))]
    if profile.persona.website and not any(profile.persona.website in link for link, _ in links):
        links.append((profile.persona.website, "my website"))
    text += "".join(f"\n\nYou can also find me at {link} (from {citation})." for link, citation in links)
    return Reply(text, text)


def _current(profile: ProfileAnswers, question: str) -> Reply | None:
    role, employer = profile.fact("current_role"), profile.fact("current_employer")
    if role is None and employer is None:
        return None
    citation = (role or employer)[1]  # type: ignore[index]
    if role and employer:
        text = f"I work at {employer[0]} as {role[0]}"
    else:
        text = f"I work as {role[0]}" if role else f"I work at {employer[0]}"  # type: ignore[index]
    since = next(
        (
            s.fields.get("start", "")
            for s in profile.experience
            if employer and s.fields["company"] == employer[0] and s.fields.get("start")
        ),
        "",
    )
    text += f", since {since}" if since else ""
    return Reply(f"{text} (from {citation}).", text)


def _past(profile: ProfileAnswers, question: str) -> Reply | None:
    if not profile.experience:
        return None
    lines = [
        f"{s.fields.get('title', '')} at {s.fields['company']}" + (f" ({_dates(s)})" if _dates(s) else "")
        for s in profile.experience
    ]
    return Reply(_listed("Where I've worked", lines, profile.experience[0].cited_as()), "\n".join(lines))


def _employer(profile: ProfileAnswers, question: str) -> Reply | None:
    named = profile.companies(question)
    if not named:
        return None
    sections = [s for s in profile.experience if s.fields["company"] in named]
    parts = []
    for section in sections:
        tense = "am" if _is_current(profile, section) else "was"
        role = f"At {section.fields['company']} I {tense} {section.fields.get('title', 'there')}"
        parts.append(role + (f" ({_dates(section)})." if _dates(section) else "."))
        parts += section.text.split("\n\n")[1:4]
    text = "\n\n".join(parts)
    return Reply(
        f"{text}\n\n(from {sections[0].cited_as()})", text + " " + " ".join(s.text for s in sections)
    )


def _is_current(profile: ProfileAnswers, section: Section) -> bool:
    """Whether a position is the one the persona holds now (its current employer, and role if known)."""
    employer, role = profile.fact("current_employer"), profile.fact("current_role")
    if employer is None or section.fields.get("company") != employer[0]:
        return False
    return role is None or section.fields.get("title") == role[0]


def _education(profile: ProfileAnswers, question: str) -> Reply | None:
    sections = profile.of_kind("education")
    if sections:
        lines = [s.text.rstrip(".") for s in sections]
        return Reply(_listed("Where I studied", lines, sections[0].cited_as()), "\n".join(lines))
    return _list_answer("education", "education", "My education")(profile, question)


def _location(profile: ProfileAnswers, question: str) -> Reply | None:
    place = profile.fact("location")
    if place is None:
        return None
    text = f"I'm based in {place[0]} (from {place[1]})."
    hometown = profile.fact("hometown")
    if hometown and re.search(r"\b(from|hometown|grow|grew|born)\b", fold(question)):
        text += f" I grew up in {hometown[0]} (from {hometown[1]})."
    return Reply(text, text)


def _availability(profile: ProfileAnswers, question: str) -> Reply | None:
    found = profile.fact("availability")
    if found is None:
        return None
    return Reply(f"{found[0]} (from {found[1]})", found[0])


def _topic(
    name: str, pattern: str, vocabulary: str, answer: Callable[[ProfileAnswers, str], Reply | None]
) -> Topic:
    return Topic(name, re.compile(pattern), _words(vocabulary), answer)


TOPICS = (
    _topic(
        "about",
        r"\b(tell me about (yourself|you)\b|who are you|introduce yourself|about yourself|describe yourself|"
        r"your (background|story)\b)",
        "yourself introduce describe background story who",
        _about,
    ),
    _topic(
        "contact",
        r"\b(contact|get in touch|reach (you|out)|e-?mail|phone number|call you|connect with|message you)\b",
        "contact touch reach out email mail phone number call connect message address home get",
        _contact,
    ),
    _topic(
        "employer",
        r".",
        "do did work worked build built role job time responsibility responsibilities responsible achieve "
        "achievement accomplish project projects team position title there like life day learn learned year "
        "years experience what",
        _employer,
    ),
    _topic(
        "past",
        r"\b((previous|past|former|prior|earlier|other) "
        r"(jobs?|roles?|employers?|compan(y|ies)|positions?|work)|"
        r"where (else )?(have|did) you work|worked before|work(ed)? history|career|employment|"
        r"companies have you)",
        "previous past former prior earlier other job role employer company position work history career "
        "employment before else worked",
        _past,
    ),
    _topic(
        "current",
        r"\b(where do you work|who do you work for|"
        r"current(ly)? (role|job|position|employer|company|title|work)|"
        r"what('?s| is) your (current )?(role|job|title|position|employer)|job title|what do you do\b(?! at)|"
        r"where are you working|work(ing)? (now|these days)|your employer)",
        "current currently role job title position employer company now day work do living",
        _current,
    ),
    _topic(
        "education",
        r"\b(stud(y|ied|ying)|school|universit|college|degree|education|graduat|alma mater|diploma|"
        r"bachelor|master'?s|phd|doctorate)",
        "study studied studying school university college degree education graduate graduated alma mater "
        "diploma bachelor master phd doctorate",
        _education,
    ),
    _topic(
        "languages",
        r"\b(languages?|speak|fluent|mother tongue|native speaker|bilingual)\b",
        "language languages speak fluent mother tongue native speaker bilingual spoken",
        _list_answer("languages", "languages", "The languages I speak"),
    ),
    _topic(
        "certifications",
        r"\b(certif\w*|credentials?|accredit\w*)",
        "certified certification certifications certificate certificates credential credentials "
        "accredited hold",
        _list_answer("certifications", "certifications", "My certifications"),
    ),
    _topic(
        "skills",
        r"\b(skills?|good at|strengths?|expertise|speciali[sz]|specialt|tech(nical)? stack|technologies|"
        r"best at)",
        "skill skills good strength strengths expertise specialise specialize specialty specialties tech "
        "technical stack technology technologies best top",
        _list_answer("skills", "specialties", "My top skills"),
    ),
    _topic(
        "location",
        r"\b(where (are you|do you live|are you based|are you located)|based|located|location|hometown|"
        r"where .*\bfrom\b|grow up|grew up|time ?zone)\b",
        "based located location live hometown from grow grew city country timezone zone time",
        _location,
    ),
    _topic(
        "availability",
        r"\b(available|availability|open to|looking for|hire|hiring|job offer|opportunit|"
        r"new (role|job|position)|next (role|job|step)|notice period|freelanc|relocat)",
        "available availability open look looking hire hiring offer opportunity opportunities new next role "
        "job position notice period freelance relocate step",
        _availability,
    ),
)
