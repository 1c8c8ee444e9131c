"""The app's own twin for engine-level tests, on any store backend."""

from __future__ import annotations

from memory import Memory, Store
from service.app import Twin, build_twin
from service.settings import Settings


def twin_for(settings: Settings, backend: Store | None = None) -> Twin:
    """`build_twin(settings)`; with `backend`, on that store in the namespaces the fixtures use."""
    return build_twin(settings, Memory.of(backend, "conversations", "records") if backend else None)
