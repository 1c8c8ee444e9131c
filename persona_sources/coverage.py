"""Coverage: how many of a source's words reached its sections, and which lines did not.

A parser of someone else's export can fail quietly; counting words makes the failure loud. Each
line the source reported (private lines, page footers and recognised headings aside) must be found
in the title or text of one of the source's sections, its words in order (punctuation, case and
line breaks aside); the words of lines that are not count as lost, and those lines are named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from persona_sources.model import InputReport, Section, SourceCoverage, SourceSpec

#: `twin persona check` fails when a source keeps less than this share of its words.
DEFAULT_MIN_COVERAGE = 0.98
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text`, case-folded (punctuation and spacing do not count)."""
    return [word.casefold() for word in _WORD.findall(text)]


def _find(texts: list[str], needle: str, after: tuple[int, int]) -> tuple[int, int] | None:
    """(text, end) of `needle` in `texts`, tried first after `after` (so a long source in order is
    measured in linear time, not by searching every text from its start for each line)."""
    index, start = after
    if index < len(texts) and (at := texts[index].find(needle, start)) >= 0:
        return index, at + len(needle) - 1
    for index, text in enumerate(texts):
        if (at := text.find(needle)) >= 0:
            return index, at + len(needle) - 1
    return None


def measure(spec: SourceSpec, report: InputReport, sections: Iterable[Section]) -> SourceCoverage:
    """The coverage of one source's reported input by its sections."""
    if not report.reported and not report.lines:
        return SourceCoverage(source_id=spec.id, source_type=spec.type, measured=False)
    texts = [f" {' '.join(words(part))} " for s in sections for part in (s.title, s.text)]
    total = covered = 0
    missing: list[str] = []
    after = (0, 0)  # where the last line found ends: lines mostly come in order, so look there first
    for line in report.lines:
        line_words = words(line)
        total += len(line_words)
        needle = f" {' '.join(line_words)} "
        found = _find(texts, needle, after)
        if found is not None:
            covered += len(line_words)
            after = found
        elif line_words:
            missing.append(line.strip())
    return SourceCoverage(
        source_id=spec.id,
        source_type=spec.type,
        words=total,
        covered=covered,
        missing=tuple(missing),
        private=len(report.private),
        skipped=len(report.skipped),
    )
