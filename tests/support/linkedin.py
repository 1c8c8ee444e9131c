"""The LinkedIn-style export generator from examples/, importable by tests."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

GENERATOR = Path(__file__).resolve().parents[2] / "examples" / "linkedin_export.py"


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("linkedin_export", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module
