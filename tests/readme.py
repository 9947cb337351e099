"""The README, read by the tests: one place that knows how its sections and snippets are found."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def text() -> str:
    return README.read_text()


def section(heading: str) -> str:
    """The section whose heading line starts with ``heading`` (``## X`` or ``### X``), to the next
    heading of the same or a higher level."""
    body = text()
    match = re.search(rf"^(#+) {re.escape(heading)}", body, flags=re.M)
    if match is None:
        raise LookupError(f"README.md has no heading starting with {heading!r}")
    level = len(match.group(1))
    rest = body[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return body[match.start() : match.end() + (end.start() if end else len(rest))]


def blocks(heading: str, language: str = "python") -> list[str]:
    """The fenced code blocks of one language in a section, in order."""
    return re.findall(rf"```{language}\n(.*?)```", section(heading), flags=re.S)
