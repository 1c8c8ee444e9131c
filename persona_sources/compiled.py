"""The compiled persona: sections, prompt and hash in one JSON file, so a cold start parses nothing.

`twin persona build` writes it beside the sources; the fingerprint of the manifest and the source
files it was built from, the code that read them (each source type's plugin release, or a hash of
its files, and twin's own) and the version of the prompt's fixed parts (rules, quoting) tell
whether it is still fresh.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from persona_sources.code_identity import twin_identity
from persona_sources.errors import PersonaError
from persona_sources.manifest import MANIFEST_NAME, read_manifest
from persona_sources.model import Persona
from persona_sources.plugins import default_source_types
from persona_sources.prompt import prompt_version

COMPILED_NAME = "persona.compiled.json"
FORMAT = 1

log = logging.getLogger("twin.persona")


class CompiledPersona(msgspec.Struct, frozen=True, kw_only=True):
    """What `twin persona build` writes. New fields get defaults (schema evolution)."""

    format: int = FORMAT
    #: None in reproducible builds (the Lambda package), so equal inputs give equal bytes.
    built_at: datetime | None = None
    #: sha256 of the manifest and every source file; None when built without sources beside it.
    fingerprint: str | None
    persona: Persona
    #: `prompt_version()` of the code that built it; None in files built before it was recorded.
    prompt_version: str | None = None
    #: The code that read each source type it holds, and twin's own (`code_map`); None in files
    #: built before it was recorded.
    code: dict[str, str] | None = None


_decoder = msgspec.json.Decoder(CompiledPersona)


def source_fingerprint(persona_dir: Path) -> str | None:
    """A hash of the manifest (or recognised layout) and the bytes of each listed source file.

    Returns None when the directory holds no sources (only a compiled persona, as on Lambda).
    """
    if not _has_sources(persona_dir):
        return None
    digest = hashlib.sha256()
    manifest = persona_dir / MANIFEST_NAME
    if manifest.exists():
        digest.update(manifest.read_bytes())
    for spec in read_manifest(persona_dir).source_specs():
        digest.update(f"\0{spec.id}\0{spec.type}\0{spec.path}\0".encode())
        if spec.path:
            try:
                digest.update((persona_dir / spec.path).read_bytes())
            except OSError:
                digest.update(b"<unreadable>")
    return digest.hexdigest()


def code_map(persona_dir: Path) -> dict[str, str]:
    """twin's code identity and that of each source type the manifest uses ("unknown" if absent)."""
    types = default_source_types()
    used = sorted({spec.type for spec in read_manifest(persona_dir).source_specs()})
    code = {"twin": twin_identity()}
    for name in used:
        code[f"type {name}"] = types[name].code if name in types else "unknown"
    return code


def _has_sources(persona_dir: Path) -> bool:
    if (persona_dir / MANIFEST_NAME).exists():
        return True
    seed = ("summary.txt", "style.txt", "facts.json")
    return any((persona_dir / name).exists() for name in seed) or any(persona_dir.glob("*.pdf"))


def write_compiled(
    persona: Persona, persona_dir: Path, output: Path | None = None, *, reproducible: bool = False
) -> Path:
    """Write the compiled persona atomically; returns its path (default: beside the sources).

    `reproducible` leaves out the build time, so the same sources always give the same bytes.
    """
    path = output or persona_dir / COMPILED_NAME
    compiled = CompiledPersona(
        built_at=None if reproducible else datetime.now(UTC),
        fingerprint=source_fingerprint(persona_dir),
        persona=persona,
        prompt_version=prompt_version(),
        code=code_map(persona_dir) if _has_sources(persona_dir) else None,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(msgspec.json.format(msgspec.json.encode(compiled), indent=2))
    os.replace(tmp, path)
    return path


def read_compiled(path: Path) -> CompiledPersona:
    """Raises: PersonaError naming the file when it cannot be decoded."""
    try:
        compiled = _decoder.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError) as exc:
        raise PersonaError(
            f"compiled persona {path} cannot be read ({exc}); run `twin persona build`"
        ) from None
    if compiled.format != FORMAT:
        raise PersonaError(f"compiled persona {path} has format {compiled.format}; run `twin persona build`")
    return compiled


def _staleness(persona_dir: Path, compiled: CompiledPersona) -> str | None:
    """Why the compiled persona no longer matches (sources or prompt rules changed), or None.

    Without sources beside it (as on Lambda) it is the only persona there is, so only the prompt
    version can make it stale.
    """
    current = source_fingerprint(persona_dir)
    if current is not None and current != compiled.fingerprint:
        return "the sources changed since `twin persona build`"
    if current is not None:
        changed = _code_change(compiled.code, code_map(persona_dir))
        if changed:
            return changed
    if compiled.prompt_version != prompt_version():
        return "it was built by a version of twin with other prompt rules"
    return None


def _code_change(built: dict[str, str] | None, now: dict[str, str]) -> str | None:
    """What changed in the code that reads the sources since the build, or None."""
    if built is None:
        return "it was built before twin recorded the code that reads each source"
    for key in sorted(set(built) | set(now)):
        if built.get(key) != now.get(key):
            return f"the code of {key} changed since the build ({built.get(key)} -> {now.get(key)})"
    return None


def compiled_state(persona_dir: Path) -> str:
    """`fresh`, `stale`, `unreadable` or `absent`: whether the compiled persona matches its sources."""
    path = persona_dir / COMPILED_NAME
    if not path.exists():
        return "absent"
    try:
        compiled = read_compiled(path)
    except PersonaError:
        return "unreadable"
    return "fresh" if _staleness(persona_dir, compiled) is None else "stale"


def fresh_compiled(persona_dir: Path) -> Persona | None:
    """The compiled persona when it exists and neither its sources nor the prompt rules changed since
    it was built; else None (sources present) or the compiled persona with a warning (no sources).
    An unreadable one is ignored with a warning when the sources are there, else an error."""
    path = persona_dir / COMPILED_NAME
    if not path.exists():
        return None
    try:
        compiled = read_compiled(path)
    except PersonaError as exc:
        if source_fingerprint(persona_dir) is None:
            raise  # without sources it is the only persona there is
        log.warning("%s; composing from the sources", exc)
        return None
    why = _staleness(persona_dir, compiled)
    if why is None:
        return compiled.persona
    if source_fingerprint(persona_dir) is None:
        log.warning("compiled persona %s is stale (%s) and no sources are beside it; using it anyway "
                    "(rebuild it with `twin persona build` or `twin package`)", path, why)  # fmt: skip
        return compiled.persona
    log.warning(
        "compiled persona %s is stale: %s; composing from the sources (run `twin persona build` to "
        "refresh it)",
        path,
        why,
    )
    return None
