"""What a LinkedIn export says in each language it exports in: section names, months, "Present".

The parser finds sections by their names and positions by their date lines, so everything it
needs to recognise is here, per language: English, German, French, Spanish, Portuguese, Dutch,
Italian, Swedish, Norwegian and Danish. Words are compared folded (`fold`): lower case, accents
removed, one kind of space, dash and apostrophe, so "Expérience", "EXPERIENCE" and "experience"
are one name.
"""

from __future__ import annotations

import re
import unicodedata

#: The export languages whose words are below.
LANGUAGES = (
    "English", "German", "French", "Spanish", "Portuguese", "Dutch", "Italian", "Swedish", "Norwegian",
    "Danish",
)  # fmt: skip

#: Section names as LinkedIn prints them (and close variants), by the section they open.
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "contact": (
        "Contact", "Contact info", "Kontaktdaten", "Kontakt", "Coordonnées", "Contactar", "Contacto",
        "Contato", "Contactgegevens", "Contatti", "Kontaktuppgifter", "Kontaktinformasjon",
        "Kontaktoplysninger",
    ),
    "skills": (
        "Top Skills", "Skills", "Top-Kenntnisse", "Top Kenntnisse", "Kenntnisse",
        "Principales compétences", "Compétences", "Aptitudes principales", "Aptitudes",
        "Competencias principales", "Principais competências", "Competências",
        "Belangrijkste vaardigheden", "Vaardigheden", "Competenze principali", "Competenze",
        "Främsta kompetenser", "Toppkompetenser", "Kompetenser", "Toppferdigheter", "Topp ferdigheter",
        "Ferdigheter", "Topkompetencer", "Mest repræsenterede kompetencer", "Kompetencer",
    ),
    "languages": (
        "Languages", "Sprachen", "Langues", "Idiomas", "Línguas", "Talen", "Lingue", "Språk", "Sprog",
    ),
    "certifications": (
        "Certifications", "Licenses & Certifications", "Licenses and Certifications",
        "Zertifizierungen", "Zertifikate", "Bescheinigungen", "Certificats", "Certificaciones",
        "Licencias y certificaciones", "Certificações", "Licenças e certificados", "Certificaten",
        "Certificeringen", "Certificazioni", "Licenze e certificazioni", "Certifieringar",
        "Licenser och certifieringar", "Sertifiseringer", "Certificeringer",
    ),
    "honors": (
        "Honors-Awards", "Honors & Awards", "Honors and Awards", "Honours-Awards", "Auszeichnungen",
        "Auszeichnungen/Preise", "Distinctions", "Prix et distinctions", "Reconocimientos y premios",
        "Premios", "Premios y reconocimientos", "Prêmios", "Prêmios e reconhecimentos",
        "Prémios e distinções", "Onderscheidingen", "Prijzen", "Prijzen en onderscheidingen",
        "Riconoscimenti e premi", "Riconoscimenti", "Premi", "Utmärkelser", "Utmerkelser", "Priser",
        "Hædersbevisninger", "Udmærkelser",
    ),
    "publications": (
        "Publications", "Veröffentlichungen", "Publicaciones", "Publicações", "Publicaties",
        "Pubblicazioni", "Publikationer", "Publikasjoner",
    ),
    "patents": (
        "Patents", "Patente", "Brevets", "Patentes", "Octrooien", "Patenten", "Brevetti", "Patent",
        "Patenter",
    ),
    "summary": (
        "Summary", "About", "Zusammenfassung", "Info", "Résumé", "Extracto", "Acerca de", "Resumo",
        "Samenvatting", "Riepilogo", "Informazioni", "Sammanfattning", "Sammendrag", "Resumé",
    ),
    "experience": (
        "Experience", "Work experience", "Berufserfahrung", "Erfahrung", "Expérience", "Experiencia",
        "Experiência", "Ervaring", "Werkervaring", "Esperienza", "Esperienza lavorativa", "Erfarenhet",
        "Arbetslivserfarenhet", "Erfaring", "Arbejdserfaring",
    ),
    "education": (
        "Education", "Ausbildung", "Bildung", "Formation", "Educación", "Formación", "Formação acadêmica",
        "Formação", "Educação", "Opleiding", "Opleidingen", "Formazione", "Istruzione", "Utbildning",
        "Utdanning", "Uddannelse",
    ),
    "volunteering": (
        "Volunteer Experience", "Volunteering", "Ehrenamtliches Engagement", "Bénévolat", "Voluntariado",
        "Trabalho voluntário", "Vrijwilligerswerk", "Volontariato", "Ideellt arbete", "Frivillig arbeid",
        "Frivilligt arbejde",
    ),
    "projects": (
        "Projects", "Projekte", "Projets", "Proyectos", "Projetos", "Projecten", "Progetti", "Projekt",
        "Prosjekter", "Projekter",
    ),
    "courses": ("Courses", "Kurse", "Cours", "Cursos", "Cursussen", "Corsi", "Kurser", "Kurs"),
}  # fmt: skip

#: Month names and their usual abbreviations, every language above.
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "januar", "februar", "marz", "maerz", "mai", "juni", "juli", "oktober", "dezember", "jan",
    "feb", "mrz", "okt", "dez", "janvier", "fevrier", "mars", "avril", "juin", "juillet", "aout",
    "septembre", "octobre", "novembre", "decembre", "janv", "fevr", "avr", "juil", "sept", "enero",
    "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "setiembre",
    "octubre", "noviembre", "diciembre", "ene", "abr", "ago", "dic", "janeiro", "fevereiro", "marco",
    "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro", "fev", "set", "out", "dez",
    "januari", "februari", "maart", "mei", "augustus", "okt", "gennaio", "febbraio", "aprile", "maggio",
    "giugno", "luglio", "settembre", "ottobre", "dicembre", "gen", "mag", "giu", "lug", "ott", "augusti",
    "maj", "desember", "marts",
)  # fmt: skip

#: How an export says a position has not ended.
PRESENT = (
    "present", "today", "now", "current", "heute", "bis heute", "aktuell", "derzeit",
    "aujourd'hui", "aujourdhui", "actuel", "actualidad", "la actualidad", "actual", "presente",
    "o momento", "momento", "atual", "atualmente", "heden", "nu", "huidig", "oggi", "attuale",
    "idag", "i dag", "pagaende", "nuvarande", "na", "dags dato",
)  # fmt: skip

#: Units of a duration ("3 Jahre 9 Monate", "1 an 2 mois", "2 anni"), folded.
YEARS = (
    "years", "year", "yrs", "yr", "jahre", "jahr", "ans", "an", "anos", "ano", "jaar", "anni", "anno",
    "ar", "aar",
)  # fmt: skip
MONTHS_UNITS = (
    "months", "month", "mos", "mo", "monate", "monat", "mois", "meses", "mes", "maanden", "maand",
    "mesi", "mese", "manader", "manad", "maneder", "maned",
)  # fmt: skip
#: "less than a year" in each language, folded.
UNDER_A_YEAR = (
    "less than a year", "weniger als ein jahr", "moins d'un an", "menos de un ano", "menos de um ano",
    "minder dan een jaar", "meno di un anno", "mindre an ett ar", "mindre enn ett ar",
    "mindre end et ar", "mindre enn et ar",
)  # fmt: skip

_SPACES = re.compile(r"\s+")
_CHARS = str.maketrans(
    {
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """`text` lower-cased without accents, one character for each of the original's.

    Keeping the length lets a match on the folded text be cut out of the original, so values
    keep their own spelling ("Januar 2023 - Heute").
    """
    out = []
    for char in text.translate(_CHARS):
        base = unicodedata.normalize("NFKD", char)[:1] or char
        lower = base.lower()
        out.append(lower if len(lower) == 1 else base)
    return "".join(out)


def name_key(text: str) -> str:
    """A line compared with section names: folded, spaces collapsed, no trailing colon."""
    return _SPACES.sub(" ", fold(text)).strip().rstrip(":").strip()


SECTIONS: dict[str, str] = {
    name_key(name): section for section, names in SECTION_NAMES.items() for name in names
}


def _alternatives(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MONTH = rf"(?:{_alternatives(MONTHS)})\.?"
_DATE = rf"(?:{_MONTH}\s+(?:de\s+|of\s+)?)?(?:19|20)\d\d"
_END = rf"(?:{_DATE}|{_alternatives(PRESENT)})"
_UNITS = rf"\d+\s*(?:{_alternatives(YEARS)})\b(?:\s*,?\s*\d+\s*(?:{_alternatives(MONTHS_UNITS)})\b)?"
_DURATION = rf"(?:{_UNITS}|\d+\s*(?:{_alternatives(MONTHS_UNITS)})\b|{_alternatives(UNDER_A_YEAR)})"

#: A date-range line: "March 2021 - Present (3 years 9 months)", "enero de 2020 - actualidad".
DATE_RANGE = re.compile(
    rf"^(?P<start>{_DATE})\s*-\s*(?P<end>{_END})"
    rf"(?:\s*(?:\((?P<duration>[^()]{{1,40}})\)|[·•]\s*(?P<tail>{_DURATION})))?\s*$"
)
#: A line that is only a duration: a company's total time above its roles ("4 years 7 months").
DURATION = re.compile(rf"^\(?\s*{_DURATION}\s*\)?$")
#: Words that name a school, in the languages above (folded stems).
SCHOOL_NAME = re.compile(
    r"universi|college|school|institut|hochschule|akademi|academ|politec|polytech|ecole|escola|"
    r"escuela|hogskola|hogskole|skole|gymnas|lycee|liceo|scuola|seminar|conservator"
)
#: A school's dates at the end of its degree line: "Master of Science · (2012 - 2014)".
SCHOOL_DATES = re.compile(r"\s*[·•]?\s*\((?P<dates>[^()]*(?:19|20)\d\d[^()]*)\)\s*$")
#: Present words, for telling a current position.
PRESENT_WORD = re.compile(rf"^(?:{_alternatives(PRESENT)})$")

#: Words a place name may hold in lower case ("Rio de Janeiro", "Frankfurt am Main", "Vestland fylke").
_PARTICLES = frozenset({
    "de", "da", "do", "dos", "das", "del", "la", "le", "les", "el", "of", "am", "an", "der", "im", "in",
    "on", "upon", "sur", "en", "y", "e", "i", "och", "og", "und", "et", "and", "van", "von", "den", "di",
    "du", "aan", "bei", "&", "kommun", "fylke", "kommune", "amt", "kreis", "umgebung",
})  # fmt: skip
#: Words that make a line a place even without a comma ("Greater Chicago Area", "Deutschland").
_REGIONS = frozenset({
    "area", "region", "metropolitan", "greater", "gebiet", "umgebung", "metropolregion", "grand",
    "regiao", "provincia", "county", "remote",
})  # fmt: skip
#: Countries (in English and their own languages), the usual last part of a LinkedIn location.
_COUNTRIES = frozenset({
    "deutschland", "germany", "osterreich", "austria", "schweiz", "switzerland", "suisse", "svizzera",
    "france", "espana", "spain", "portugal", "brasil", "brazil", "nederland", "netherlands", "belgie",
    "belgique", "belgium", "luxembourg", "italia", "italy", "sverige", "sweden", "norge", "norway",
    "danmark", "denmark", "suomi", "finland", "island", "iceland", "ireland", "kingdom", "uk", "states",
    "usa", "canada", "mexico", "argentina", "chile", "colombia", "peru", "india", "pakistan",
    "bangladesh", "china", "japan", "korea", "singapore", "malaysia", "indonesia", "philippines",
    "vietnam", "thailand", "australia", "zealand", "africa", "nigeria", "kenya", "egypt", "israel",
    "emirates", "turkey", "turkiye", "greece", "poland", "polska", "czechia", "slovakia", "hungary",
    "romania", "bulgaria", "croatia", "serbia", "slovenia", "ukraine", "estonia", "latvia", "lithuania",
})  # fmt: skip
_PLACE_WORDS = _REGIONS | _COUNTRIES
_PLACE_SHAPE = re.compile(r"^[^\W\d_][^\d|@:;!?•]*$")


def ends_in_country(text: str) -> bool:
    """Whether a place-like line ends with a country or region ("..., Sverige", "Bay Area")."""
    words = fold(text).replace(",", " ").split()
    return bool(words) and words[-1].strip("()") in _PLACE_WORDS


def looks_like_place(text: str, *, alone: bool = False) -> bool:
    """Whether a line reads like a LinkedIn location ("Lisbon, Portugal", "Greater Paris Area").

    `alone` asks for more evidence (a comma or a place word), for a line that could as well be a
    headline.
    """
    text = text.strip()
    if not text or len(text) > 80 or text.endswith(".") or not _PLACE_SHAPE.match(text):
        return False
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 5 or any(not part or len(part.split()) > 5 for part in parts):
        return False
    for part in parts:
        first, *rest = part.split()
        if not (first[0].isupper() or first[0] in "('"):
            return False
        if any(not (w[0].isupper() or len(w) <= 3 or fold(w) in _PARTICLES) for w in rest):
            return False
    if not alone:
        return True
    words = {fold(word).strip("()") for word in text.replace(",", " ").split()}
    return len(parts) > 1 or bool(words & _PLACE_WORDS)
