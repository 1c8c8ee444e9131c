"""`python -m service.cli` runs the `twin` command."""

from __future__ import annotations

from service.cli import main

raise SystemExit(main())
