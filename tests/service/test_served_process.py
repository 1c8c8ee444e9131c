"""A served process keeps the heap it started with out of the garbage collector's passes, and still
collects what its turns leave; `twin serve`'s hands the GIL over more often than Python's default."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from litestar import Litestar

from service.entry import lambda_stream, serving
from tests.conftest import EXAMPLE_PERSONA, REPO
from tests.support.serve import environment

PROBE = """
import gc, sys, weakref
from service.entry.asgi import app

kept = gc.get_freeze_count()
walked = len(gc.get_objects())
in_passes = any(o is app for o in gc.get_objects())

class Node:
    pass

node = Node()
node.self = node  # a cycle only the collector frees
gone = weakref.ref(node)
del node
gc.collect()
print(kept, walked, in_passes, gone() is None, sys.getswitchinterval())
"""


@pytest.fixture(scope="module")
def asgi_entry(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What PROBE says of a process that imported the ASGI entry (`twin serve`'s app)."""
    memory = tmp_path_factory.mktemp("memory")
    env = environment(PERSONA_DIR=EXAMPLE_PERSONA, MEMORY_DIR=memory, TWIN_PROVIDER="offline")
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout.split()


def test_the_asgi_entry_keeps_the_app_out_of_the_collectors_passes(asgi_entry: list[str]) -> None:
    kept, walked, in_passes, collected = int(asgi_entry[0]), int(asgi_entry[1]), asgi_entry[2], asgi_entry[3]
    assert kept > 50_000  # the modules, persona and app
    assert walked < kept // 10  # what a full collection still walks
    assert in_passes == "False"
    assert collected == "True"  # garbage made afterwards is freed as before


def test_the_asgi_entry_hands_the_gil_over_more_often_than_python_s_default(asgi_entry: list[str]) -> None:
    """The switch interval the store's worker thread needs behind a busy event loop."""
    assert float(asgi_entry[4]) == serving.SWITCH_INTERVAL_SECONDS < 0.005  # Python's default


def test_the_streaming_entry_keeps_its_app_out_of_the_collectors_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {"PERSONA_DIR": str(EXAMPLE_PERSONA), "MEMORY_DIR": str(tmp_path), "TWIN_PROVIDER": "offline"}
    for var, value in (env | {"OPENAI_API_KEY_PARAMETER": ""}).items():
        monkeypatch.setenv(var, value)
    seen: dict[str, object] = {}

    def run(app: object, **options: object) -> None:  # where uvicorn would start serving
        seen["kept"] = gc.get_freeze_count()
        seen["apps in passes"] = [o for o in gc.get_objects() if isinstance(o, Litestar)]

    monkeypatch.setattr(lambda_stream.uvicorn, "run", run)
    try:
        lambda_stream.main(["--port", "8080"])
    finally:
        gc.unfreeze()  # this process runs the tests
    assert isinstance(seen["kept"], int) and seen["kept"] > 50_000
    assert seen["apps in passes"] == []
