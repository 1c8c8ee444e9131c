"""`twin stats`: conversations, turns, tokens, estimated cost, contacts, questions and feedback per day."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec

from memory import Memory
from service.chat.budget import SpendCap
from service.cli.arguments import days
from service.cli.memory import command, where_parser
from service.owner.failures import FailedTurns
from service.owner.loop import OwnerLoop
from service.owner.stats import compute
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "stats",
        parents=[where_parser(conversations=True, records=True)],
        help="the last N days from the stores: turns, tokens, cost, contacts, questions, feedback",
    )
    parser.add_argument("--days", type=days(366), default=7, metavar="N", help="days up to today (default 7)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(run=command(_stats, reads="conversations"))


async def _stats(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    limits = settings.limits
    cap = SpendCap(
        memory.records, daily_tokens=limits.daily_token_budget, monthly_tokens=limits.monthly_token_budget
    )
    stats = await compute(
        memory.conversations,
        OwnerLoop(memory.records),
        days=args.days,
        model=settings.model.name,
        cap=cap,
        failures=FailedTurns(memory.records),
    )
    if args.json:
        body = msgspec.to_builtins(stats) | {"feedback_ratio": stats.feedback_ratio}
        print(msgspec.json.encode(body).decode())
        return 0
    print(
        f"{'DAY':<10}  {'CONVERSATIONS':>13}  {'TURNS':>6}  {'TOKENS IN':>10}  {'CACHED':>10}  "
        f"{'TOKENS OUT':>10}  {'ESTIMATED':>9}  {'COST $':>9}"
    )
    for row in stats.per_day:
        print(
            f"{row.day.isoformat():<10}  {row.conversations:>13}  {row.turns:>6}  {row.tokens_in:>10}  "
            f"{row.tokens_cached:>10}  {row.tokens_out:>10}  {row.estimated_turns:>9}  "
            f"{_cost(row.cost_usd):>9}"
        )
    print(
        f"{'total':<10}  {stats.conversations:>13}  {stats.turns:>6}  {stats.tokens_in:>10}  "
        f"{stats.tokens_cached:>10}  {stats.tokens_out:>10}  {stats.estimated_turns:>9}  "
        f"{_cost(stats.cost_usd):>9}"
    )
    ratio = stats.feedback_ratio
    print(f"\nturns answered offline: {stats.offline_turns}; failed turns: {stats.failed_turns}")
    print(f"contacts: {stats.new_contacts} new")
    print(f"unanswered questions: {stats.new_questions} new, {stats.open_questions} open")
    print(
        f"feedback: {stats.feedback_up} up, {stats.feedback_down} down"
        + (f" ({ratio:.0%} up)" if ratio is not None else "")
    )
    for use in stats.budget:
        print(
            f"spend cap ({use.period}, until {use.ends:%Y-%m-%d %H:%M} UTC): {use.tokens} of {use.budget} "
            f"tokens ({use.tokens / use.budget:.0%})"
            + (" - answering offline" if use.tokens >= use.budget else "")
        )
    print(
        f"costs are estimates at {stats.model} list prices, cached prompt tokens at the cached rate "
        "(service/providers/pricing.py); ESTIMATED counts replies whose provider reported no usage",
        file=sys.stderr,
    )
    return 0


def _cost(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
