"""Coverage: how many of a source's words reached its sections, and which lines did not.

A parser of someone else's export can fail quietly; counting words makes the failure loud. Each
word of each line the source reported (private lines and page footers aside) must be found in the
titles and texts of the source's sections; a line with a word that is not is named.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from persona_sources.model import InputReport, Section, SourceCoverage, SourceSpec

#: `twin persona check` fails when a source keeps less than this share of its words.
DEFAULT_MIN_COVERAGE = 0.98
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text`, case-folded (punctuation and spacing do not count)."""
    return [word.casefold() for word in _WORD.findall(text)]


def measure(spec: SourceSpec, report: InputReport, sections: Iterable[Section]) -> SourceCoverage:
    """The coverage of one source's reported input by its sections."""
    if not report.reported and not report.lines:
        return SourceCoverage(source_id=spec.id, source_type=spec.type, measured=False)
    available = Counter(word for section in sections for word in words(f"{section.title}\n{section.text}"))
    total = covered = 0
    missing: list[str] = []
    for line in report.lines:
        lost = False
        for word in words(line):
            total += 1
            if available[word] > 0:
                available[word] -= 1
                covered += 1
            else:
                lost = True
        if lost:
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
