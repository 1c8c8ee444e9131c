"""`twin questions ...`: the questions the twin could not answer; the owner answers or dismisses them.

An answer becomes part of what the twin knows (the `owner_answers` source): a running twin picks it
up within TWIN_ANSWERS_REFRESH_SECONDS, with either provider, without a redeploy.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from memory import Memory
from service.cli.memory import command, where_parser
from service.owner.loop import OwnerLoop, Question
from service.owner.safe_text import one_line
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    where = where_parser(records=True)
    commands = subparsers.add_parser(
        "questions", help="answer or dismiss the questions the twin could not answer"
    ).add_subparsers(title="questions commands")

    listing = commands.add_parser("list", parents=[where], help="open questions, most asked first")
    listing.add_argument(
        "--status", choices=("open", "answered", "dismissed", "all"), default="open", help="default: open"
    )
    listing.set_defaults(run=command(_list))

    answer = commands.add_parser("answer", parents=[where], help="answer a question in your own words")
    answer.add_argument("question_id", metavar="ID")
    answer.add_argument("text", metavar="TEXT", help="the answer, in the first person as the twin speaks")
    answer.add_argument(
        "--topic",
        help="what the answer is about, in your words (the visitor's wording never reaches the twin); "
        "without it an earlier topic stays, --topic '' clears it",
    )
    answer.set_defaults(run=command(_answer))

    dismiss = commands.add_parser("dismiss", parents=[where], help="drop a question (spam, off-topic)")
    dismiss.add_argument("question_id", metavar="ID")
    dismiss.set_defaults(run=command(_dismiss))


async def _list(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    owner = OwnerLoop(memory.records)
    questions = await owner.questions(None if args.status == "all" else args.status)
    if not questions:
        print(
            f"no {'' if args.status == 'all' else args.status + ' '}questions in {memory.records.location}",
            file=sys.stderr,
        )
        return 0
    print(f"{'ID':<12}  {'ASKED':>5}  {'LAST ASKED (UTC)':<16}  {'STATUS':<9}  QUESTION")
    for q in questions:
        print(f"{q.id:<12}  {q.count:>5}  {q.last_seen:%Y-%m-%d %H:%M}  {q.status:<9}  {_asked(q)}")
        if q.answer:
            print(f"{'':<12}  {'':>5}  {'':<16}  {'':<9}  -> {one_line(q.answer, 70)}")
    return 0


async def _answer(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    owner = OwnerLoop(memory.records)
    try:
        question = await owner.answer(args.question_id, args.text, args.topic)
    except KeyError:
        print(f"twin: no question {args.question_id} in {memory.records.location}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 1
    print(f"answered {question.id}: {_asked(question)}")
    print(
        f"the twin uses this answer within {settings.owner.answers_refresh_seconds:g} seconds",
        file=sys.stderr,
    )
    return 0


async def _dismiss(args: argparse.Namespace, settings: Settings, memory: Memory) -> int:
    owner = OwnerLoop(memory.records)
    try:
        question = await owner.dismiss(args.question_id)
    except KeyError:
        print(f"twin: no question {args.question_id} in {memory.records.location}", file=sys.stderr)
        return 1
    print(f"dismissed {question.id}: {_asked(question)}")
    return 0


def _asked(question: Question) -> str:
    """The question as the visitor wrote it (one line), or why it is gone."""
    return one_line(question.question, 70) if question.question else "(wording erased with its conversation)"
