"""The official client's `openai.types` packages, each run only when a name it defines is asked for.

`import openai` runs `openai/types/__init__.py`, which imports all of the client's 468 modules of
request and response types (about 0.4 s of a cold start), and its helpers import whole sub-packages of
them; twin sends plain JSON and decodes replies into its own Structs, so it needs a few dozen. With the
finder installed, a package under `openai.types` is created empty: a module of it is imported when it
is asked for by name (`from openai.types.chat import chat_completion`), and a name the package's
`__init__` defines (`openai.types.chat.ChatCompletion`) is looked for in its own module first (the
client's files are named after what they define) and otherwise runs the whole `__init__` as Python
would have. Every name resolves to the same object as without the finder; tests check all of them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import re
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

_ROOT = "openai.types"
_WORD = re.compile(r"(?<!^)(?=[A-Z])")


def install() -> None:
    """Put the finder first on the import path once; packages already imported stay as they are."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


class _LazyPackage(ModuleType):
    """A package whose `__init__` runs only if a name that only it defines is asked for."""

    _twin_init: importlib.abc.Loader | None
    _twin_lock: threading.RLock

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name != "__all__":
            raise AttributeError(name)  # the import system's own probes never run the `__init__`
        found = self._own(name)
        if found is not None:
            setattr(self, name, found)
            return found
        with self._twin_lock:
            init, self._twin_init = self._twin_init, None
            if init is not None:
                init.exec_module(self)
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None

    def _own(self, name: str) -> Any | None:
        """`name` as a module of this package, or as defined by the module named after it."""
        if not name.isidentifier():
            return None
        module = _submodule(f"{self.__name__}.{name}")
        if module is not None:
            return module
        module = _submodule(f"{self.__name__}.{_WORD.sub('_', name).lower()}")
        return vars(module).get(name) if module is not None else None


def _submodule(name: str) -> ModuleType | None:
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


class _Loader(importlib.abc.Loader):
    """Creates the empty package and keeps the real loader for its `__init__`."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        package = _LazyPackage(spec.name)
        package._twin_init, package._twin_lock = self._real, threading.RLock()
        return package

    def exec_module(self, module: ModuleType) -> None:
        """Nothing yet: the package's `__init__` runs on demand."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)  # resource readers and the like


class _Finder(importlib.abc.MetaPathFinder):
    """Finds what is under `openai.types` as the path finder does, and makes its packages lazy."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _ROOT and not fullname.startswith(_ROOT + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.submodule_search_locations is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec
