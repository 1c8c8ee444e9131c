"""The built web UI: every file uploaded with the right content type; a missing build says what to run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.frontend import runtime_config
from infra.web import FALLBACK_CONTENT_TYPE, WebBuildMissing, content_type, site_files
from tests.infra.harness import Deployment


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("assets/app.4f2a.js", "text/javascript; charset=utf-8"),
        ("widget.mjs", "text/javascript; charset=utf-8"),
        ("assets/app.css", "text/css; charset=utf-8"),
        ("logo.svg", "image/svg+xml"),
        ("data.json", "application/json"),
        ("app.js.map", "application/json"),
        ("fonts/inter.woff2", "font/woff2"),
        ("fonts/inter.woff", "font/woff"),
        ("site.webmanifest", "application/manifest+json"),
        ("favicon.ico", "image/x-icon"),
        ("photo.JPG", "image/jpeg"),
        ("README", FALLBACK_CONTENT_TYPE),
        ("blob.unknownext", FALLBACK_CONTENT_TYPE),
    ],
)
def test_content_types(name: str, expected: str) -> None:
    assert content_type(name) == expected


def test_site_files_skip_hidden_files_the_built_runtime_config_and_the_owners_room(web_dir: Path) -> None:
    keys = [file.key for file in site_files(web_dir)]
    assert keys == sorted(keys)
    assert "config.json" not in keys and ".DS_Store" not in keys
    assert not any(key.startswith("owner/") for key in keys)  # the app serves the room itself
    assert {"index.html", "assets/app.js", "fonts/inter.woff2"} <= set(keys)


def test_pages_are_never_cached_and_assets_briefly(web_dir: Path) -> None:
    caching = {file.key: file.cache_control for file in site_files(web_dir)}
    assert caching["index.html"] == "no-cache"
    assert caching["assets/app.js"] == "public, max-age=300"


def test_a_missing_build_says_to_run_make_web(tmp_path: Path) -> None:
    with pytest.raises(WebBuildMissing, match=r"does not exist; run `make web` first"):
        site_files(tmp_path / "web" / "dist")


def test_an_empty_build_says_to_run_make_web(tmp_path: Path) -> None:
    with pytest.raises(WebBuildMissing, match=r"is empty; run `make web` first"):
        site_files(tmp_path)


def test_runtime_config_is_the_api_url_as_json() -> None:
    assert json.loads(runtime_config("https://x.example")) == {"apiUrl": "https://x.example"}


def test_the_program_stops_before_any_resource_when_the_web_ui_is_not_built(
    deploy_stack: Callable[..., Deployment], tmp_path: Path
) -> None:
    with pytest.raises(WebBuildMissing, match="run `make web` first"):
        deploy_stack("dev", webDir=str(tmp_path / "nothing"))
