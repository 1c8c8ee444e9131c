"""The app serves the built front end: the page to browsers at /, JSON to API clients, widget, config."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.settings import Settings
from tests.support.settings import tweak

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A minimal build, so these tests prove the serving and not the bundler."""
    dist = tmp_path / "dist"
    (dist / "static").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>twin page</title>", encoding="utf-8")
    (dist / "widget.js").write_text("/* widget */", encoding="utf-8")
    (dist / "static" / "app.js").write_text("/* app */", encoding="utf-8")
    return dist


@pytest.fixture
def web_client(settings: Settings, built: Path) -> TestClient:  # type: ignore[type-arg]
    return TestClient(app=create_app(tweak(settings, TWIN_WEB_DIR=built)))


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0, application/json"])
def test_api_clients_keep_getting_json_at_the_root(web_client: TestClient, accept: str | None) -> None:  # type: ignore[type-arg]
    headers = {"Accept": accept} if accept is not None else {}
    with web_client as client:
        response = client.get("/", headers=headers)
    assert response.json()["message"] == "AI Digital Twin API"
    assert response.headers["vary"] == "Accept"


def test_browsers_get_the_chat_page_at_the_root(web_client: TestClient) -> None:  # type: ignore[type-arg]
    with web_client as client:
        response = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    assert "<title>twin page</title>" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_widget_assets_and_same_origin_config_are_served(web_client: TestClient) -> None:  # type: ignore[type-arg]
    with web_client as client:
        widget = client.get("/widget.js")
        assert widget.status_code == 200 and widget.text == "/* widget */"
        assert widget.headers["content-type"].startswith("text/javascript")
        assert client.get("/static/app.js").text == "/* app */"
        assert client.get("/static/../index.html").status_code == 404
        config = client.get("/config.json")
        assert config.json() == {"apiUrl": "", "streamUrl": ""}
        assert "/widget.js" not in client.get("/schema/openapi.json").json()["paths"]


def test_without_a_build_the_app_serves_the_api_only_and_says_so(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "not-built"
    with caplog.at_level(logging.INFO, logger="twin"):
        app = create_app(tweak(settings, TWIN_WEB_DIR=missing))
    assert f"no front end in {missing}" in caplog.text
    with TestClient(app=app) as client:
        assert client.get("/", headers={"Accept": BROWSER_ACCEPT}).json()["message"] == "AI Digital Twin API"
        assert client.get("/widget.js").status_code == 404
        assert client.get("/config.json").status_code == 404


def test_web_dir_comes_from_the_environment() -> None:
    assert Settings.from_env({"TWIN_WEB_DIR": "/srv/twin-web"}, env_file=None).web.web_dir == Path(
        "/srv/twin-web"
    )
    assert Settings.from_env({}, env_file=None).web.web_dir == Path("web/dist")
