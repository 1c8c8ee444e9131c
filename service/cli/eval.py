"""`twin eval`: run the persona's eval pack against the configured provider; exit 1 below a threshold."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

import msgspec

from persona_sources.private import private_values
from service.owner.safe_text import for_terminal
from service.settings import Settings


def add_commands(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval", help="prove the twin answers truthfully (exit 1 below --threshold)"
    )
    parser.add_argument("--threshold", type=float, default=0.9, help="pass rate needed (0-1, default 0.9)")
    parser.add_argument("--concurrency", type=int, default=4, help="questions asked at once (default 4)")
    parser.add_argument("-o", "--output", type=Path, default=Path("dist/eval/results.json"))
    parser.add_argument(
        "--judge", action="store_true", help="also grade faithfulness with a second model call"
    )
    parser.add_argument("--no-generated", action="store_true", help="only the owner's cases from evals.toml")
    parser.set_defaults(run=_eval)


def _eval(args: argparse.Namespace) -> int:
    if not 0 <= args.threshold <= 1 or args.concurrency < 1:
        raise SystemExit("twin eval: --threshold must be between 0 and 1 and --concurrency at least 1")
    return asyncio.run(_run(args, Settings.from_env()))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import build_twin
    from service.chat.judge import Judge
    from service.evals.cases import generate_cases, owner_cases
    from service.evals.run import EvalReport, format_report, run_cases
    from service.providers.grounding import Grounder
    from service.providers.retrieval import passages_of

    with tempfile.TemporaryDirectory(prefix="twin-eval-") as memory:
        # Eval conversations go to a throwaway store, never the owner's conversation memory.
        # Nor do its unanswerable questions reach the owner as notifications.
        throwaway = msgspec.structs.replace(
            settings,
            storage=msgspec.structs.replace(settings.storage, use_s3=False, memory_dir=Path(memory)),
            notify=msgspec.structs.replace(settings.notify, webhook_url=None, sns_topic_arn=None),
        )
        twin = build_twin(throwaway)
        engine, provider = twin.engine, twin.provider
        if args.judge and provider.offline:
            print("twin eval: --judge needs a model (set OPENAI_API_KEY or OPENAI_BASE_URL)")
            return 2
        try:
            cases = (
                []
                if args.no_generated
                else generate_cases(twin.persona, private_values(settings.persona_dir))
            )
            cases += owner_cases(settings.persona_dir)
            results = await run_cases(
                engine,
                cases,
                concurrency=args.concurrency,
                judge=Judge(provider, twin.persona) if args.judge else None,
                notes=Grounder(passages_of(twin.persona.sections)) if provider.offline else None,
            )
        finally:
            await twin.close()
    report = EvalReport(
        provider=provider.name, model=provider.model, threshold=args.threshold, results=results
    )
    print(for_terminal(format_report(report)))  # failure reasons may quote the model
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(msgspec.json.format(msgspec.json.encode(report), indent=2))
    print(f"results: {args.output}")
    return 0 if report.ok else 1
