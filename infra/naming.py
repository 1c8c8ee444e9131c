"""Physical names and tags: every resource is `<project>-<stack>-<part>` and carries the same tags."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

#: Stack names end up in bucket names: lowercase, digits and '-', short enough for S3's 63 characters.
_STACK = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")


class StackNameError(pulumi.RunError):
    """The stack's name cannot be part of AWS resource names."""


@dataclass(frozen=True)
class Naming:
    """The project and stack a resource belongs to."""

    project: str
    stack: str

    def __post_init__(self) -> None:
        if not _STACK.fullmatch(self.stack):
            raise StackNameError(
                f"stack name {self.stack!r} must be 1-20 lowercase letters, digits or '-' "
                "(it becomes part of bucket names)"
            )

    def name(self, part: str) -> str:
        """`twin-dev-memory` for part `memory` in stack `dev` of project `twin`."""
        return f"{self.project}-{self.stack}-{part}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags for every taggable resource, so a bill or a console search finds the whole stack."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}
