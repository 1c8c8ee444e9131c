"""`twin persona ...`: inspect, lint, compile and publish the owner's persona."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from persona_sources import load_persona
from persona_sources.check import check_persona
from persona_sources.compiled import compiled_state, write_compiled
from persona_sources.compose import compose_sources
from persona_sources.coverage import DEFAULT_MIN_COVERAGE
from persona_sources.options import describe_options
from persona_sources.plugins import default_source_types
from persona_sources.publish import PUBLISHED_KINDS, left_out, llms_txt, person_jsonld_text
from service.cli.arguments import days
from service.evals.cases import OWNER_CASES
from service.providers.tokens import count_tokens, prompt_budget
from service.settings import MAX_RETENTION_DAYS, Settings

#: `twin persona check` flags exports older than this unless told otherwise.
DEFAULT_MAX_AGE_DAYS = 365


def add_commands(subparsers: Any) -> None:
    persona = subparsers.add_parser("persona", help="inspect, check, build and publish the persona")
    commands = persona.add_subparsers(title="persona commands")
    show = commands.add_parser("show", help="the composed prompt, its sources and its size")
    show.set_defaults(run=_show)
    sources = commands.add_parser("sources", help="every registered source type and where it comes from")
    sources.set_defaults(run=_sources)
    check = commands.add_parser("check", help="lint the persona; exits 1 on errors (for CI)")
    check.add_argument(
        "--max-age-days",
        type=days(MAX_RETENTION_DAYS),
        default=DEFAULT_MAX_AGE_DAYS,
        help=f"flag source exports older than this (default {DEFAULT_MAX_AGE_DAYS})",
    )
    check.add_argument(
        "--min-coverage",
        type=float,
        default=DEFAULT_MIN_COVERAGE * 100,
        metavar="PERCENT",
        help=f"fail a source that keeps less of its words (default {DEFAULT_MIN_COVERAGE * 100:g}%%)",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(run=_check)
    build = commands.add_parser("build", help="write the compiled persona the service loads at start")
    build.add_argument("-o", "--output", type=Path, help="default: persona.compiled.json in PERSONA_DIR")
    build.set_defaults(run=_build)
    publish = commands.add_parser("publish", help="schema.org JSON-LD and llms.txt for your website")
    publish.add_argument("-o", "--output-dir", type=Path, default=Path("dist/publish"))
    publish.add_argument(
        "--mcp-url", metavar="URL", help="the twin's MCP endpoint to name, e.g. https://api.example.com/mcp"
    )
    publish.set_defaults(run=_publish)


def _show(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    persona = load_persona(settings.persona_dir)
    prompt = persona.system_prompt(datetime.now(UTC).date())
    print(prompt)
    print("\n---")
    print(f"persona: {persona.full_name} ({persona.headline}) from {settings.persona_dir}")
    for section in persona.sections:
        print(
            f"  source {section.source_id!r} ({section.source_type}, {section.kind}): {section.title}, "
            f"{len(section.text)} characters"
        )
    count = count_tokens(prompt, settings.model.name)
    size = f"{len(prompt)} characters, {count.tokens} tokens for {settings.model.name}"
    print(f"system prompt: {size} ({count.method})")
    for coverage in persona.coverage:
        print(f"coverage {coverage.summary()}")
    print(f"content hash: {persona.content_hash}")
    print(f"compiled persona: {compiled_state(settings.persona_dir)}")
    return 0


def _sources(args: argparse.Namespace) -> int:
    for name, source_type in sorted(default_source_types().items()):
        print(f"{name}  [{source_type.origin}]\n    {source_type.help}")
        print(f"    declared options: {describe_options(source_type.options)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    if not 0 <= args.min_coverage <= 100:
        raise SystemExit("twin persona check: --min-coverage must be a percentage between 0 and 100")
    settings = Settings.from_env()
    model = settings.model
    budget = prompt_budget(settings)
    report = check_persona(
        settings.persona_dir,
        count_tokens=lambda text: count_tokens(text, model.name).tokens,
        prompt_budget=budget,
        max_age=timedelta(days=args.max_age_days),
        now=datetime.now(UTC),
        min_coverage=args.min_coverage / 100,
        read_elsewhere=(OWNER_CASES,),
    )
    for coverage in report.coverage:
        print(f"coverage {coverage.summary()}")
    for finding in report.findings:
        print(f"{finding.level}: {finding.message}")
    if report.persona is not None:
        print(
            f"persona {report.persona.full_name!r}: {len(report.persona.sections)} sections, "
            f"prompt {report.prompt_tokens} tokens of {budget} for {model.name}"
        )
    failed = report.errors or (args.strict and report.warnings)
    print("persona check failed" if failed else "persona check passed")
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    persona = compose_sources(settings.persona_dir)
    path = write_compiled(persona, settings.persona_dir, args.output)
    print(f"wrote {path}: {len(persona.sections)} sections, content hash {persona.content_hash[:12]}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    persona = load_persona(settings.persona_dir)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    jsonld = args.output_dir / "person.jsonld"
    jsonld.write_text(person_jsonld_text(persona, args.mcp_url), encoding="utf-8")
    llms = args.output_dir / "llms.txt"
    llms.write_text(llms_txt(persona, args.mcp_url), encoding="utf-8")
    print(f'wrote {jsonld} (paste into a <script type="application/ld+json"> on your site)')
    print(f"wrote {llms} (serve it at https://your-site/llms.txt)")
    skipped = left_out(persona)
    if skipped:
        print(f"not published (the files carry the kinds {', '.join(PUBLISHED_KINDS)}):")
        for line in skipped:
            print(f"  {line}")
    return 0
