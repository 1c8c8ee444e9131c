"""Which code produced a section: the distribution and version of its plugin, and a hash of its files.

A compiled persona records these, so upgrading or editing a plugin (or twin itself) makes it stale
instead of serving sections an older loader produced. A release is named by its version; code that
is not a release (an editable install, or a module outside any distribution) by a hash of its files.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from functools import cache
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path

TWIN_DISTRIBUTION = "twin"


def code_identity(load: Callable[..., object], dist: Distribution | None) -> str:
    """ "twin-jsonresume 0.1.0" for a release installed into site-packages; code anywhere else (an
    editable install, a source checkout, a module outside any distribution) adds a hash of its files."""
    parts = [f"{dist.metadata['Name']} {dist.version}"] if dist is not None else []
    if dist is None or _editable(dist) or not _in_site_packages(load.__module__):
        parts.append(f"files {files_digest(load.__module__)}")
    return ", ".join(parts)


@cache
def twin_identity() -> str:
    """twin's own code: its version, and a hash of the persona code when not installed as a release."""
    try:
        dist: Distribution | None = distribution(TWIN_DISTRIBUTION)
    except PackageNotFoundError:
        dist = None
    return code_identity(twin_identity, dist)


def _editable(dist: Distribution) -> bool:
    """Whether pip installed `dist` in editable mode (PEP 610's direct_url.json says so)."""
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except (OSError, ValueError):
        return False
    return bool(isinstance(direct, dict) and direct.get("dir_info", {}).get("editable"))


def _in_site_packages(module_name: str) -> bool:
    path = Path(getattr(sys.modules.get(module_name), "__file__", None) or "")
    return any(part in ("site-packages", "dist-packages") for part in path.parts)


def files_digest(module_name: str) -> str:
    """A short sha256 of the Python files of the top-level package that `module_name` belongs to."""
    root = sys.modules.get(module_name.split(".")[0])
    origin = Path(getattr(root, "__file__", None) or "")
    if not origin.name:
        return "unknown"
    files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"\0{path.relative_to(origin.parent)}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()[:16]
