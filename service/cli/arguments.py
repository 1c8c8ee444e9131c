"""Argument types the commands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def days(most: int) -> Callable[[str], int]:
    """A whole number of days from 1 to `most` (a date that far back must exist)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number of days, got {value!r}") from None
        if not 1 <= number <= most:
            raise argparse.ArgumentTypeError(f"must be 1-{most}, got {number}")
        return number

    return parse
