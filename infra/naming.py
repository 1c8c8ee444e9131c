"""Physical names and tags: every resource is `<project>-<stack>-<part>` and carries the same tags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Naming:
    """The project and stack a resource belongs to."""

    project: str
    stack: str

    def name(self, part: str) -> str:
        """`twin-dev-memory` for part `memory` in stack `dev` of project `twin`."""
        return f"{self.project}-{self.stack}-{part}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags for every taggable resource, so a bill or a console search finds the whole stack."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}
