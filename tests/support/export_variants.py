"""LinkedIn exports nobody on the team laid out: random profiles in ten languages, many looks.

A profile is drawn in one of the languages LinkedIn exports in (section names, month names,
"Present", durations and the page footer in that language, values such as titles and places in it
too), with sections missing at random; a `Style` varies the font (Helvetica, Times, Courier, or one
embedded-style font without bold), every size and weight, one or two columns, line height, spacing,
where pages end and forced page breaks. Everything is drawn from a `random.Random`, so hypothesis
drives it in the property tests (`st.randoms()`) and a seed reproduces one variant.

`python -m tests.support.export_variants DIR` writes the variant personas `make eval` checks.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.linkedin import generator

CREATED = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
#: Variants written by `main` for `make eval`: (directory, seed, language).
EVAL_VARIANTS = (("variant-de", 12, "de"), ("variant-fr", 31, "fr"), ("variant-sv", 4, "sv"))


@dataclass(frozen=True)
class Language:
    """How an export in one language prints its labels, dates and durations, and sample values."""

    code: str
    labels: dict[str, str]
    months: tuple[str, ...]
    present: str
    year: tuple[str, str]
    month: tuple[str, str]
    under_a_year: str
    month_format: str = "{month} {year}"
    at: str = "at"
    proficiency: tuple[str, ...] = ()
    language_names: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    degrees: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()

    def date(self, month: int, year: int) -> str:
        return self.month_format.format(month=self.months[month - 1], year=year)

    def duration(self, months: int) -> str:
        if months < 12:
            return self.under_a_year if months == 0 else f"{months} {self.month[months > 1]}"
        years, rest = divmod(months, 12)
        text = f"{years} {self.year[years > 1]}"
        return f"{text} {rest} {self.month[rest > 1]}" if rest else text


def _labels(names: str) -> dict[str, str]:
    keys = ("contact", "skills", "languages", "certifications", "honors", "summary", "experience")
    return dict(zip((*keys, "education", "page"), names.split("|"), strict=True))


def _list(items: str) -> tuple[str, ...]:
    """Values given as one string, separated by "|"."""
    return tuple(items.split("|"))


LANGUAGES = {
    language.code: language
    for language in (
        Language(
            code="en",
            labels=_labels(
                "Contact|Top Skills|Languages|Certifications|Honors-Awards|Summary|Experience|"
                "Education|Page {page} of {pages}"
            ),
            months=_list(
                "January|February|March|April|May|June|July|August|September|October|November|December"
            ),
            present="Present",
            year=("year", "years"),
            month=("month", "months"),
            under_a_year="less than a year",
            proficiency=_list("Native or Bilingual|Full Professional|Professional Working|Elementary"),
            language_names=_list("English|Spanish|Hindi|Mandarin|Polish"),
            places=_list(
                "Austin, Texas, United States|Greater Chicago Area|Dublin, County Dublin, Ireland|"
                "Toronto, Ontario, Canada"
            ),
            titles=_list(
                "Staff Software Engineer|Engineering Manager|Data Scientist|Product Manager|"
                "Site Reliability Engineer|Principal Architect|Software Engineer II"
            ),
            degrees=_list(
                "Master of Science - MS, Computer Science|Bachelor of Arts - BA, Economics|"
                "Doctor of Philosophy - PhD, Physics"
            ),
            schools=_list("University of Toronto|Trinity College Dublin|Georgia Institute of Technology"),
        ),
        Language(
            code="de",
            labels=_labels(
                "Kontaktdaten|Top-Kenntnisse|Sprachen|Zertifizierungen|Auszeichnungen|"
                "Zusammenfassung|Berufserfahrung|Ausbildung|Seite {page} von {pages}"
            ),
            months=_list(
                "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
            ),
            present="Heute",
            year=("Jahr", "Jahre"),
            month=("Monat", "Monate"),
            under_a_year="weniger als ein Jahr",
            at="bei",
            proficiency=_list("Muttersprache oder zweisprachig|Verhandlungssicher|Grundkenntnisse"),
            language_names=_list("Deutsch|Englisch|Französisch|Türkisch"),
            places=_list(
                "Berlin, Berlin, Deutschland|München, Bayern, Deutschland|Hamburg und Umgebung|"
                "Wien, Österreich"
            ),
            titles=_list(
                "Softwareentwicklerin|Leiter Plattformtechnik|Datenanalyst|Teamleiterin Backend|"
                "Werkstudent Softwareentwicklung"
            ),
            degrees=_list(
                "Master of Science - MS, Informatik|Bachelor of Engineering, Maschinenbau|"
                "Diplom-Informatiker, Wirtschaftsinformatik"
            ),
            schools=_list("Technische Universität München|Universität Hamburg|Hochschule Karlsruhe"),
        ),
        Language(
            code="fr",
            labels=_labels(
                "Coordonnées|Principales compétences|Langues|Certifications|Distinctions|Résumé|"
                "Expérience|Formation|Page {page} sur {pages}"
            ),
            months=_list(
                "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
            ),
            present="aujourd\u2019hui",
            year=("an", "ans"),
            month=("mois", "mois"),
            under_a_year="moins d\u2019un an",
            at="chez",
            proficiency=_list("Bilingue ou langue natale|Capacité professionnelle complète|Notions"),
            language_names=_list("Français|Anglais|Allemand|Arabe"),
            places=_list("Paris, Île-de-France, France|Lyon, Auvergne-Rhône-Alpes, France|Genève, Suisse"),
            titles=_list("Ingénieure logiciel|Directeur technique|Cheffe de projet|Développeur full-stack"),
            degrees=_list("Diplôme d\u2019ingénieur, Informatique|Master, Mathématiques appliquées"),
            schools=_list("École Polytechnique|Université de Lyon|INSA Toulouse"),
        ),
        Language(
            code="es",
            labels=_labels(
                "Contactar|Aptitudes principales|Idiomas|Certificaciones|Reconocimientos y premios|"
                "Extracto|Experiencia|Educación|Página {page} de {pages}"
            ),
            months=_list(
                "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
            ),
            month_format="{month} de {year}",
            present="actualidad",
            year=("año", "años"),
            month=("mes", "meses"),
            under_a_year="menos de un año",
            at="en",
            proficiency=_list("Nativo o bilingüe|Competencia profesional completa|Competencia básica"),
            language_names=_list("Español|Inglés|Catalán|Portugués"),
            places=_list(
                "Madrid, Comunidad de Madrid, España|Barcelona, Cataluña, España|Ciudad de México, México"
            ),
            titles=_list("Ingeniera de software|Jefe de producto|Arquitecto de soluciones|Analista de datos"),
            degrees=_list("Grado en Ingeniería Informática|Máster, Ciencia de datos"),
            schools=_list("Universidad Politécnica de Madrid|Universitat de Barcelona"),
        ),
        Language(
            code="pt",
            labels=_labels(
                "Contato|Principais competências|Idiomas|Certificações|Prêmios|Resumo|Experiência|"
                "Formação acadêmica|Página {page} de {pages}"
            ),
            months=_list(
                "janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
            ),
            month_format="{month} de {year}",
            present="o momento",
            year=("ano", "anos"),
            month=("mês", "meses"),
            under_a_year="menos de um ano",
            at="na",
            proficiency=_list("Nativo ou bilíngue|Fluente|Básico"),
            language_names=_list("Português|Inglês|Espanhol"),
            places=_list(
                "São Paulo, São Paulo, Brasil|Lisboa, Portugal|Belo Horizonte, Minas Gerais, Brasil"
            ),
            titles=_list("Engenheira de software|Gerente de engenharia|Cientista de dados|Desenvolvedor"),
            degrees=_list("Bacharelado, Ciência da Computação|Mestrado, Engenharia Elétrica"),
            schools=_list("Universidade de São Paulo|Universidade do Porto"),
        ),
        Language(
            code="nl",
            labels=_labels(
                "Contactgegevens|Belangrijkste vaardigheden|Talen|Certificeringen|Onderscheidingen|"
                "Samenvatting|Ervaring|Opleiding|Pagina {page} van {pages}"
            ),
            months=_list(
                "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
            ),
            present="heden",
            year=("jaar", "jaar"),
            month=("maand", "maanden"),
            under_a_year="minder dan een jaar",
            at="bij",
            proficiency=_list("Moedertaal of tweetalig|Volledige professionele vaardigheid"),
            language_names=_list("Nederlands|Engels|Duits"),
            places=_list("Amsterdam, Noord-Holland, Nederland|Utrecht, Nederland|Gent, Vlaanderen, België"),
            titles=_list("Software-ontwikkelaar|Teamlead Data|Productmanager|Security Officer"),
            degrees=_list("Master, Informatica|Bachelor, Bedrijfskunde"),
            schools=_list("Universiteit van Amsterdam|Technische Universiteit Delft"),
        ),
        Language(
            code="it",
            labels=_labels(
                "Contatti|Competenze principali|Lingue|Certificazioni|Riconoscimenti e premi|"
                "Riepilogo|Esperienza|Formazione|Pagina {page} di {pages}"
            ),
            months=_list(
                "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
                "novembre|dicembre"
            ),
            present="Presente",
            year=("anno", "anni"),
            month=("mese", "mesi"),
            under_a_year="meno di un anno",
            at="presso",
            proficiency=_list("Madrelingua o bilingue|Professionale completa|Elementare"),
            language_names=_list("Italiano|Inglese|Tedesco"),
            places=_list("Milano, Lombardia, Italia|Roma, Lazio, Italia|Torino, Piemonte, Italia"),
            titles=_list("Ingegnere del software|Responsabile tecnico|Analista dati|Sviluppatrice"),
            degrees=_list("Laurea magistrale, Ingegneria informatica|Laurea, Economia"),
            schools=_list("Politecnico di Milano|Università di Bologna"),
        ),
        Language(
            code="sv",
            labels=_labels(
                "Kontakt|Främsta kompetenser|Språk|Certifieringar|Utmärkelser|Sammanfattning|"
                "Erfarenhet|Utbildning|Sida {page} av {pages}"
            ),
            months=_list(
                "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
            ),
            present="nu",
            year=("år", "år"),
            month=("månad", "månader"),
            under_a_year="mindre än ett år",
            at="på",
            proficiency=_list("Modersmål eller tvåspråkig|Fullständig yrkesmässig färdighet"),
            language_names=_list("Svenska|Engelska|Finska"),
            places=_list("Stockholm, Stockholms län, Sverige|Göteborg, Västra Götalands län, Sverige"),
            titles=_list("Systemutvecklare|Teknisk chef|Dataingenjör|Utvecklare"),
            degrees=_list("Civilingenjör, Datateknik|Kandidatexamen, Systemvetenskap"),
            schools=_list("Kungliga Tekniska högskolan|Lunds universitet"),
        ),
        Language(
            code="no",
            labels=_labels(
                "Kontakt|Toppferdigheter|Språk|Sertifiseringer|Utmerkelser|Sammendrag|Erfaring|"
                "Utdanning|Side {page} av {pages}"
            ),
            months=_list(
                "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember"
            ),
            present="nå",
            year=("år", "år"),
            month=("måned", "måneder"),
            under_a_year="mindre enn ett år",
            at="hos",
            proficiency=_list("Morsmål eller tospråklig|Full profesjonell kompetanse"),
            language_names=_list("Norsk|Engelsk|Samisk"),
            places=_list("Oslo, Oslo, Norge|Bergen, Vestland, Norge|Trondheim, Norge"),
            titles=_list("Systemutvikler|Teknologileder|Dataforsker|Rådgiver"),
            degrees=_list("Master, Informatikk|Bachelor, Økonomi"),
            schools=_list("Norges teknisk-naturvitenskapelige universitet|Universitetet i Oslo"),
        ),
        Language(
            code="da",
            labels=_labels(
                "Kontakt|Topkompetencer|Sprog|Certificeringer|Priser|Resumé|Erfaring|Uddannelse|"
                "Side {page} af {pages}"
            ),
            months=_list(
                "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
            ),
            present="nu",
            year=("år", "år"),
            month=("måned", "måneder"),
            under_a_year="mindre end et år",
            at="hos",
            proficiency=_list("Modersmål eller tosproget|Fuld professionel færdighed"),
            language_names=_list("Dansk|Engelsk|Færøsk"),
            places=_list("København, Region Hovedstaden, Danmark|Aarhus, Danmark"),
            titles=_list("Softwareudvikler|Teknisk direktør|Dataanalytiker|Konsulent"),
            degrees=_list("Kandidat, Datalogi|Bachelor, Erhvervsøkonomi"),
            schools=_list("Danmarks Tekniske Universitet|Aarhus Universitet"),
        ),
    )
}

FIRST_NAMES = _list(
    "Ada|Björn|Chloé|Dário|Elin|Fatima|Grégoire|Hanna|Iñigo|Jørgen|Katarzyna|Lúcia|Matteo|Noor|"
    "Øystein|Priya|Renée|Sönke|Tomás|Ulla"
)
LAST_NAMES = _list(
    "Andersson|Bianchi|Costa|Dubois|Eriksen|Fernández|Großmann|Haugland|Ibáñez|Jansen|Kowalski|"
    "Lindqvist|Moreau|Nørgaard|Oliveira|Petersen|Quintero|Rossi|Schäfer|Van der Berg"
)
COMPANIES = _list(
    "Quillon Systems|Verdana Labs|Nordwind GmbH|Ferrovia Digitale S.p.A.|Brightmoor Bank|"
    "Lumière Analytique|Tidewell Analytics|Kestrel & Finch|Osso Games|Helix Pay AB|"
    "Polaris Logística|Cobalt Health|Marlin Robotics B.V.|Saffron Retail Inc.|"
    "Aurora Energia S.A.|Fjord Data AS|Ember Security|Granite Cloud A/S"
)
SKILLS = _list(
    "Kubernetes|Python|Go|Terraform|Apache Kafka|PostgreSQL|Machine Learning|Team Leadership|"
    "Product Strategy|AWS|Rust|Data Engineering|React|TypeScript|Site Reliability Engineering|"
    "Stakeholder Management"
)
CERTIFICATIONS = _list(
    "AWS Certified Solutions Architect \u2013 Professional|Certified Kubernetes Administrator (CKA)|"
    "HashiCorp Certified: Terraform Associate|Professional Scrum Master I|"
    "Google Cloud Professional Data Engineer|ISTQB Certified Tester Foundation Level"
)
HONORS = _list(
    "Engineering Excellence Award 2019|Hackathon winner 2021|Dean's List 2014|Best Paper Award, EuroSys 2020"
)
WORDS = _list(
    "platform|migration|pipeline|latency|customers|reliability|onboarding|billing|search|"
    "analytics|teams|services|costs|releases|incidents|dashboards|models|APIs|payments|"
    "infrastructure|security|tests|hiring|roadmap"
)
VERBS = _list("Built|Led|Designed|Migrated|Reduced|Ran|Introduced|Scaled|Automated|Mentored|Shipped|Replaced")


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    number = f" by {rng.randint(2, 95)}%" if rng.random() < 0.3 else ""
    return f"{rng.choice(VERBS)} the {' '.join(words[:2])} for {' and '.join(words[2:])}{number}."


def _paragraphs(rng: random.Random, most: int) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, most)):
        if rng.random() < 0.2:
            paragraphs.append(f"• {_sentence(rng)}")
        else:
            paragraphs.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
    return "\n".join(paragraphs)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().encode("ascii", "ignore").decode()).strip("-")


def random_profile(rng: random.Random, language: Language) -> dict[str, Any]:
    """A profile in the shape `render_linkedin_pdf` takes, every part but the name optional."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    profile: dict[str, Any] = {"name": f"{first} {last}"}
    companies = rng.sample(COMPANIES, rng.randint(1, 4)) if rng.random() < 0.95 else []
    titles = [*language.titles, "Senior Software Engineer", "Staff Engineer", "Tech Lead"]
    if rng.random() < 0.9:
        if companies and rng.random() < 0.6:
            profile["headline"] = f"{rng.choice(titles)} {language.at} {companies[0]}"
        else:
            profile["headline"] = f"{rng.choice(titles)} | {', '.join(rng.sample(SKILLS, 3))}"
    if rng.random() < 0.85:
        profile["location"] = rng.choice(language.places)
    slug = _slug(f"{first}-{last}")
    contact = {"linkedin": f"www.linkedin.com/in/{slug}-{rng.randint(1000, 9999)}"}  # always printed
    if rng.random() < 0.9:
        contact["email"] = f"{slug}.{rng.randint(10, 99)}@example.org"
        if rng.random() < 0.7:
            contact["phone"] = f"+{rng.randint(30, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        if rng.random() < 0.4:
            contact["address"] = (
                f"{rng.choice(LAST_NAMES)}gata {rng.randint(1, 99)}, {rng.randint(10000, 99999)}"
            )
    profile["contact"] = contact
    for key, pool, most in (
        ("top_skills", SKILLS, 5),
        ("certifications", CERTIFICATIONS, 4),
        ("honors", HONORS, 3),
    ):
        if rng.random() < 0.75:
            profile[key] = rng.sample(pool, rng.randint(1, most))
    if rng.random() < 0.75:
        names = rng.sample(language.language_names, rng.randint(1, len(language.language_names)))
        profile["languages"] = [f"{name} ({rng.choice(language.proficiency)})" for name in names]
    if rng.random() < 0.8:
        profile["summary"] = _paragraphs(rng, 3)
    profile["experience"] = _experience(rng, language, companies, titles)
    if rng.random() < 0.85:
        profile["education"] = [
            _school(rng, language, name) for name in rng.sample(language.schools, rng.randint(1, 2))
        ]
    return profile


def _experience(
    rng: random.Random, language: Language, companies: Sequence[str], titles: Sequence[str]
) -> list[dict[str, Any]]:
    """Newest first: companies with one to three roles, the first one possibly current."""
    year, month = 2025, rng.randint(1, 12)
    current = rng.random() < 0.7
    experience = []
    for company in companies:
        roles, total = [], 0
        for _ in range(rng.randint(1, 3) if rng.random() < 0.4 else 1):
            months = rng.randint(0, 50)
            end = language.present if current else language.date(month, year)
            month_index = year * 12 + month - 1 - months
            start_year, start_month = divmod(month_index, 12)
            role: dict[str, Any] = {
                "title": rng.choice(titles),
                "start": language.date(start_month + 1, start_year),
                "end": end,
                "duration": language.duration(months),
            }
            if rng.random() < 0.6:
                role["location"] = rng.choice(language.places)
            if rng.random() < 0.75:
                role["description"] = _paragraphs(rng, 3)
            roles.append(role)
            total += months + 1
            current = False
            year, month = divmod(month_index - rng.randint(1, 6), 12)
            month += 1
        entry: dict[str, Any] = {"company": company, "roles": roles}
        if len(roles) > 1:
            entry["duration"] = language.duration(total)
        experience.append(entry)
    return experience


def _school(rng: random.Random, language: Language, name: str) -> dict[str, str]:
    school = {"school": name}
    if rng.random() < 0.8:
        school["degree"] = rng.choice(language.degrees)
    if rng.random() < 0.7:
        start = rng.randint(1995, 2018)
        school["dates"] = f"{start} - {start + rng.randint(1, 5)}"
    return school


def random_style(rng: random.Random, language: Language) -> Any:
    """A `Style` of the generator: fonts, sizes, weights, columns, spacing and page breaks at random."""
    g = generator()
    body = rng.choice((9.0, 9.5, 10.0, 10.5, 11.0))
    headline = rng.choice((body, 11.0, 12.0, 13.0))
    return g.Style(
        font=rng.choice(("Helvetica", "Times", "Courier", "Unicode")),
        columns=rng.choice((1, 2)),
        sidebar_first=rng.random() < 0.5,
        name_size=rng.choice((headline + 2, 18.0, 22.0, 26.0)),
        headline_size=headline,
        location_size=rng.choice((body, headline)),
        heading_size=rng.choice((body, 12.0, 14.0, 15.75)),
        side_heading_size=rng.choice((body, 11.0, 13.0)),
        company_size=rng.choice((body, 11.0, 12.0)),
        title_size=rng.choice((body, 10.5, 11.5)),
        body_size=body,
        side_size=rng.choice((body, 10.0, 11.0)),
        bold_name=rng.random() < 0.7,
        bold_headings=rng.random() < 0.6,
        bold_companies=rng.random() < 0.5,
        bold_titles=rng.random() < 0.5,
        leading=rng.choice((1.2, 1.3, 1.5, 1.7)),
        gap=rng.choice((0.8, 1.0, 1.3)),
        keep_together=rng.random() < 0.5,
        bottom=rng.choice((56.0, 120.0, 260.0)),
        breaks=frozenset(rng.sample(range(3, 160), rng.randint(0, 4))),
        labels=g.Labels(**language.labels),
    )


@dataclass(frozen=True)
class Variant:
    """One generated export: the profile it shows and its PDF."""

    language: Language
    profile: dict[str, Any]
    pdf: bytes


def render(rng: random.Random, language: Language) -> Variant:
    profile = random_profile(rng, language)
    style = random_style(rng, language)
    pdf = generator().render_linkedin_pdf(profile, creation_date=CREATED, style=style)
    return Variant(language=language, profile=profile, pdf=pdf)


def variant(seed: int, language: str) -> Variant:
    """The variant a seed gives, the same on every run."""
    return render(random.Random(seed), LANGUAGES[language])


def write_persona(directory: Path, pdf: bytes) -> Path:
    """A persona directory holding only the export."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profile.pdf").write_bytes(pdf)
    (directory / "persona.toml").write_text(
        '[[sources]]\nid = "linkedin"\ntype = "linkedin_pdf"\npath = "profile.pdf"\n', encoding="utf-8"
    )
    return directory


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="write generated export variants as persona directories")
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    for name, seed, language in EVAL_VARIANTS:
        made = variant(seed, language)
        path = write_persona(args.output / name, made.pdf)
        (path / "profile.json").write_text(json.dumps(made.profile, ensure_ascii=False, indent=2), "utf-8")
        print(path)


if __name__ == "__main__":
    main()


def expected(profile: dict[str, Any]) -> dict[str, Any]:
    """What the parser must find in a generated profile, in the shapes `Profile` holds them."""
    lists = {
        key: tuple(profile[source])
        for key, source in (
            ("skills", "top_skills"),
            ("languages", "languages"),
            ("certifications", "certifications"),
            ("honors", "honors"),
        )
        if profile.get(source)
    }
    return {
        "name": profile["name"],
        "headline": profile.get("headline", ""),
        "location": profile.get("location", ""),
        "positions": [
            (company["company"], role["title"], role["start"], role["end"], role.get("location", ""))
            for company in profile.get("experience", [])
            for role in company["roles"]
        ],
        "education": [
            (school["school"], school.get("degree", ""), school.get("dates", ""))
            for school in profile.get("education", [])
        ],
        "lists": lists,
    }


def public_values(profile: dict[str, Any]) -> list[str]:
    """Every employer, title, date range, school, degree, language, skill and certification."""
    facts = expected(profile)
    values = [facts["name"]]
    for company, title, start, end, _ in facts["positions"]:
        values += [company, title, f"{start} - {end}"]
    for school, degree, dates in facts["education"]:
        values += [school, degree, dates]
    for key in ("skills", "languages", "certifications"):
        values += facts["lists"].get(key, ())
    return [value for value in values if value]


def contact_values(profile: dict[str, Any]) -> list[str]:
    """The contact block's values, which must never reach the persona."""
    return [str(value) for value in (profile.get("contact") or {}).values()]
