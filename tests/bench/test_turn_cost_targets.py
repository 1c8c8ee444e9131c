"""The turn-cost bench says each target met or not from the run's own figures, and shows how the
64-visitor p50 spread over the single runs it pools."""

from __future__ import annotations

from bench.turn_cost import FLOOR, LOADS, SEED, TWIN, Measured, PromptFigures, target_lines


def run(turns_per_second: float, latencies_ms: list[float], delay: float) -> Measured:
    turns = len(latencies_ms)
    latencies = [delay + ms / 1000 for ms in latencies_ms]
    return Measured(turns=turns, seconds=turns / turns_per_second, cpu_seconds=0.0, latencies=latencies)


def test_the_p50_target_pools_the_runs_and_lists_each_one() -> None:
    instant, slow = LOADS
    loads = {
        instant.name: {SEED: [run(100, [10], 0.0)], TWIN: [run(300, [5], 0.0)], FLOOR: [run(900, [2], 0.0)]},
        slow.name: {
            SEED: [run(3, [9000], slow.delay)],
            TWIN: [run(150, [40, 44, 48], slow.delay), run(140, [60, 64, 68], slow.delay)],
            FLOOR: [run(180, [30], slow.delay)],
        },
    }
    figures = [PromptFigures(TWIN, per_turn=[100, 110], repeated=[0, 100], completion=10)]
    lines = target_lines(loads, figures, persona_tokens=0)
    p50_line = next(line for line in lines if "p50" in line)
    assert "+60 ms, **not met**" in p50_line  # the middle of all six turns, not of either run
    assert "single runs: +44, +64" in p50_line
    assert "at least 40x the seed: 48x, met" in p50_line  # the runs' median, 145 turns/s, over 3
