"""Deterministic graders: case-insensitive patterns that must or must not be in a reply."""

from __future__ import annotations

import re

from service.evals.cases import EvalCase
from service.providers.grounding import Grounder

#: How the offline provider quotes a note: "- the note (from my LinkedIn profile)".
_QUOTED = re.compile(r"^- (?P<note>.*) \(from [^()]+\)$", re.M)


def grade(case: EvalCase, reply: str, notes: Grounder | None = None) -> list[str]:
    """The reasons `reply` fails `case`; empty when it passes.

    With `notes` (an offline reply), every note the reply quotes must answer the question by the
    grounding rule: a quote that only shares a word with the question is a failure.
    """
    failures = []
    for pattern in case.must_contain:
        if not re.search(pattern, reply, re.IGNORECASE):
            failures.append(f"missing {_plain(pattern)!r}")
    for text in case.must_not_contain:
        if text.lower() in reply.lower():
            failures.append(f"contains {text!r}")
    if case.must_match and not any(re.search(p, reply, re.IGNORECASE) for p in case.must_match):
        failures.append(
            "does not say it lacks the answer or steer back" if case.category != "owner" else "no match"
        )
    if notes is not None and reply.startswith("Here's what my notes say"):
        for quoted in _QUOTED.finditer(reply):
            if not notes.grounds(case.question, quoted["note"]):
                failures.append(f"quotes a note that does not answer it: {quoted['note'][:60]!r}")
    return failures


def _plain(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern)
