"""Running an eval pack concurrently (with a bound) and summarising it per category."""

from __future__ import annotations

import asyncio
import time

import msgspec

from service.chat.engine import ChatEngine
from service.chat.judge import Judge, JudgeError, Verdict
from service.evals.cases import EvalCase
from service.evals.grade import grade
from service.providers import ProviderError
from service.providers.grounding import Grounder


class EvalResult(msgspec.Struct, frozen=True, kw_only=True):
    case: EvalCase
    reply: str
    passed: bool
    failures: list[str]
    latency_ms: float
    verdict: Verdict | None = None


class CategoryStats(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 1.0


class EvalReport(msgspec.Struct, frozen=True, kw_only=True):
    provider: str
    model: str
    threshold: float
    results: list[EvalResult]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def rate(self) -> float:
        return self.passed / len(self.results) if self.results else 1.0

    @property
    def ok(self) -> bool:
        return self.rate >= self.threshold

    def by_category(self) -> dict[str, CategoryStats]:
        stats: dict[str, CategoryStats] = {}
        for result in self.results:
            old = stats.get(result.case.category, CategoryStats(total=0, passed=0))
            stats[result.case.category] = CategoryStats(
                total=old.total + 1, passed=old.passed + result.passed
            )
        return stats


async def run_cases(
    engine: ChatEngine,
    cases: list[EvalCase],
    *,
    concurrency: int = 4,
    judge: Judge | None = None,
    notes: Grounder | None = None,
) -> list[EvalResult]:
    """Each case in a fresh conversation, at most `concurrency` at once, in the cases' order.

    With `notes` (the persona's, for offline replies), quotes are also graded by the grounding rule.
    """
    bound = asyncio.Semaphore(concurrency)

    async def one(case: EvalCase) -> EvalResult:
        async with bound:
            started = time.perf_counter()
            try:
                reply = (await engine.reply(case.question, None)).reply
            except ProviderError as exc:
                return EvalResult(case=case, reply="", passed=False, failures=[f"error: {exc}"], latency_ms=0)
            latency = (time.perf_counter() - started) * 1000
            failures = grade(case, reply, notes)
            verdict = None
            if judge is not None and case.category in ("known_answer", "owner"):
                try:
                    verdict = await judge(case.question, reply)
                except JudgeError as exc:
                    failures.append(str(exc))
                else:
                    failures += [f"unsupported: {claim}" for claim in verdict.unsupported_claims]
                    if not verdict.supported and not verdict.unsupported_claims:
                        failures.append("the judge found the reply unsupported")
            return EvalResult(
                case=case,
                reply=reply,
                passed=not failures,
                failures=failures,
                latency_ms=latency,
                verdict=verdict,
            )

    return list(await asyncio.gather(*(one(case) for case in cases)))


def format_report(report: EvalReport) -> str:
    """A table of every case, then the pass rate per category and overall."""
    lines = [f"{'case':<34} {'category':<13} result  why", "-" * 90]
    for r in report.results:
        why = "; ".join(r.failures)[:80]
        lines.append(f"{r.case.id[:34]:<34} {r.case.category:<13} {'pass' if r.passed else 'FAIL':<7} {why}")
    lines.append("")
    for category, stats in report.by_category().items():
        lines.append(f"{category:<13} {stats.passed}/{stats.total} ({stats.rate:.0%})")
    verdict = "passed" if report.ok else "FAILED"
    lines.append(
        f"overall       {report.passed}/{len(report.results)} ({report.rate:.0%}) with {report.provider} "
        f"({report.model}); threshold {report.threshold:.0%}: {verdict}"
    )
    return "\n".join(lines)
