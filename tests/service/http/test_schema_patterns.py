"""Every pattern twin publishes means to a client what it means to twin.

Twin checks values with Python's `re`; a client of the OpenAPI document or of the MCP tools' schemas
checks them with ECMAScript's RegExp. Was: `^...$` ended an id, a key or an email address, and
Python's `$` also matches before a final newline, so twin took `"<id>\\n"`, which the schema refuses,
and refused it later naming the wrong field.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

from litestar.testing import TestClient

from service.mcp.contract import tools_for

Client = TestClient  # type: ignore[type-arg]

#: Values at the edges of the published shapes: a final newline, a newline first, blanks, lengths.
SAMPLES = [
    *(
        s + end
        for s in ("A" * 32, "k" * 16, "k" * 64, "ada@example.com", "hi", "https://x.example")
        for end in ("", "\n")
    ),
    *("\n" + s for s in ("A" * 32, "ada@example.com", "hi")),
    "",
    " ",
    "\n",
    "\u200b",
    "A" * 33,
    "ada@example",
]

#: Each pattern against each sample, as ECMAScript reads them (JSON Schema validators use the `u` flag).
NODE = """
const {patterns, samples} = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(patterns.map(p => samples.map(s => new RegExp(p, "u").test(s)))));
"""


def patterns_in(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns_in(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from patterns_in(item)


def test_every_published_pattern_reads_the_same_in_python_and_ecmascript(client: Client) -> None:
    published = [client.get("/schema/openapi.json").json()]
    published += [[tool.input_schema, tool.output_schema] for tool in tools_for("Ada", 4000)]
    patterns = sorted(set(patterns_in(published)))
    assert len(patterns) >= 4  # the session id, the idempotency key, the email address, non-blank text
    node = shutil.which("node")
    assert node, "node is needed (the web build installs it)"
    given = json.dumps({"patterns": patterns, "samples": SAMPLES})
    ecmascript = json.loads(
        subprocess.run([node, "-e", NODE], input=given, capture_output=True, text=True, check=True).stdout
    )
    python = [[re.search(p, s) is not None for s in SAMPLES] for p in patterns]
    differ = [
        (pattern, sample)
        for pattern, ours, theirs in zip(patterns, python, ecmascript, strict=True)
        for sample, a, b in zip(SAMPLES, ours, theirs, strict=True)
        if a != b
    ]
    assert differ == []
