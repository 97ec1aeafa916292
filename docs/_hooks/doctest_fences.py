"""A Griffe extension: show the `>>>` examples of docstrings as code, wherever they stand.

Google-style docstrings put examples under `Example:` (which Griffe renders as an admonition
whose text is Markdown), under `Examples:`, or in a module's prose. Outside a fence, Markdown
would run a doctest's lines together into a paragraph, and read output such as `[0, 1]` as a
link. This wraps every doctest run that is not already fenced in a ```` ```pycon ```` fence.
The docstrings themselves stay plain doctests, which the test suite runs.
"""

from __future__ import annotations

from typing import Any

import griffe

FENCES = ("```", "~~~")


def fence_doctests(text: str) -> str:
    """`text` with each unfenced run of doctest lines (`>>>` to the next blank line) fenced."""
    lines = text.split("\n")
    out: list[str] = []
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(FENCES):
            fenced = not fenced
        if fenced or not stripped.startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(stripped)]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctests of every docstring Griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
