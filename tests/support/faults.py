"""Failures of the medium that a test cannot cause for real on every machine."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path
from typing import Any

import pytest


def mount_read_only(memory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the kernel does once `memory` is on a read-only mount: creating or removing a file there
    fails with EROFS (reads still work). Made by hand because a test run as root writes through
    permissions."""
    create, remove = tempfile.mkstemp, Path.unlink

    def refuse(path: object) -> None:
        if Path(str(path)).resolve().is_relative_to(memory.resolve()):
            raise OSError(errno.EROFS, "Read-only file system", str(path))

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        refuse(kwargs.get("dir", "."))
        return create(*args, **kwargs)

    def unlink(self: Path, missing_ok: bool = False) -> None:
        refuse(self)
        remove(self, missing_ok)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(Path, "unlink", unlink)
