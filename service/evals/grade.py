"""Deterministic graders: case-insensitive patterns that must or must not be in a reply."""

from __future__ import annotations

import re

from service.evals.cases import EvalCase


def grade(case: EvalCase, reply: str) -> list[str]:
    """The reasons `reply` fails `case`; empty when it passes."""
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
    return failures


def _plain(pattern: str) -> str:
    return re.sub(r"\\(.)", r"\1", pattern)
