"""The built web UI: which files to upload, under which keys, with which content types."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

import pulumi

#: The runtime config the deployment writes next to the UI: `{"apiUrl": ..., "streamUrl": ...}`; a
#: built one is replaced.
RUNTIME_CONFIG = "config.json"

#: Types browsers are strict about, fixed here rather than left to the machine's mime database.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"

#: Pages and the runtime config must be fetched fresh after a deploy; other assets may be cached briefly.
NO_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=300"


class WebBuildMissing(pulumi.RunError):
    """The web UI has not been built."""


@dataclass(frozen=True)
class SiteFile:
    """One file of the built UI."""

    path: Path
    key: str
    content_type: str

    @property
    def cache_control(self) -> str:
        return NO_CACHE if self.key.endswith(".html") else ASSET_CACHE


def content_type(name: str) -> str:
    """The Content-Type to serve `name` with."""
    suffix = Path(name).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or FALLBACK_CONTENT_TYPE


#: The owner's room is served by the app itself (its pages need the API's origin); never uploaded.
OWNER_ROOM = "owner"


def site_files(web_dir: Path) -> list[SiteFile]:
    """Every file of the built UI in key order, except hidden files, a built runtime config and the
    owner's room.

    Raises: WebBuildMissing when the directory is missing or empty.
    """
    if not web_dir.is_dir():
        raise WebBuildMissing(f"the web UI is not built: {web_dir} does not exist; run `make web` first")
    files = [
        SiteFile(path=path, key=key, content_type=content_type(path.name))
        for path in sorted(web_dir.rglob("*"))
        if path.is_file()
        and (key := path.relative_to(web_dir).as_posix()) != RUNTIME_CONFIG
        and not any(part.startswith(".") for part in path.relative_to(web_dir).parts)
        and path.relative_to(web_dir).parts[0] != OWNER_ROOM
    ]
    if not files:
        raise WebBuildMissing(f"the web UI is not built: {web_dir} is empty; run `make web` first")
    return files
