"""Input validation shared by every component.

Checks are small pure functions that add to a :class:`Problems` collector, so
one :class:`ValidationError` lists every problem found in an Args dict, and it
is raised before the component registers any child resource.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi


class ValidationError(ValueError):
    """Bad input to a crossnet component or stack config.

    ``problems`` holds one :class:`Problem` per bad field; ``str(error)`` names
    each field, the value received and what is allowed.
    """

    def __init__(self, subject: str, problems: list[Problem]):
        self.subject = subject
        self.problems = list(problems)
        lines = [f"{subject}: {len(self.problems)} invalid input(s):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    @property
    def fields(self) -> list[str]:
        return [p.field for p in self.problems]


@dataclass(frozen=True)
class Problem:
    field: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.field}: got {show(self.value)}; {self.allowed}"


PLAIN = "a plain value known before deployment; got an Output"


def is_plain(value: Any) -> bool:
    """True when ``value`` holds no Pulumi ``Output``, awaitable or resource at any depth."""
    if isinstance(value, pulumi.Output | pulumi.Resource) or hasattr(value, "__await__"):
        return False
    if isinstance(value, Mapping):
        return all(is_plain(k) and is_plain(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return all(is_plain(v) for v in value)
    return True


def show(value: Any) -> str:
    """Render a received value for an error message, short and unambiguous."""
    if isinstance(value, pulumi.Output):
        return "<Output>"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class Problems:
    """Collects validation problems; ``raise_if_any`` raises them as one error."""

    subject: str
    items: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, value: Any, allowed: str) -> None:
        self.items.append(Problem(field_name, value, allowed))

    def check(self, ok: bool, field_name: str, value: Any, allowed: str) -> bool:
        if not ok:
            self.add(field_name, value, allowed)
        return ok

    def __bool__(self) -> bool:
        return bool(self.items)

    def plain(self, value: Any, field_name: str) -> bool:
        """A field that decides names or counts must be known before deployment: no Output in it."""
        if is_plain(value):
            return True
        self.add(field_name, value, PLAIN)
        return False

    def merge(self, error: ValidationError, prefix: str) -> None:
        """Take a component's problems into this collector, fields prefixed (``crossnet:vpn.gateway.``)."""
        self.items += [Problem(prefix + p.field, p.value, p.allowed) for p in error.problems]

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.subject, self.items)

    # -- typed getters: each records a problem and returns None when the value is unusable

    def require(self, args: Mapping[str, Any], key: str, prefix: str = "") -> Any:
        if key not in args or args[key] is None:
            self.add(prefix + key, None, "this field is required")
            return None
        return args[key]

    def string(
        self, value: Any, field_name: str, pattern: str | None = None, allowed: str = "a non-empty string"
    ) -> str | None:
        if not self.plain(value, field_name):
            return None
        if not isinstance(value, str) or not value:
            self.add(field_name, value, allowed)
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(field_name, value, allowed)
            return None
        return value

    def integer(
        self, value: Any, field_name: str, lo: int | None = None, hi: int | None = None
    ) -> int | None:
        allowed = describe_range(lo, hi)
        if not self.plain(value, field_name):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field_name, value, allowed)
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.add(field_name, value, allowed)
            return None
        return value

    def boolean(self, value: Any, field_name: str) -> bool | None:
        if not self.plain(value, field_name):
            return None
        if not isinstance(value, bool):
            self.add(field_name, value, "true or false")
            return None
        return value

    def one_of(self, value: Any, field_name: str, choices: Iterable[str]) -> str | None:
        options = list(choices)
        if not self.plain(value, field_name):
            return None
        if value not in options:
            self.add(field_name, value, "one of " + ", ".join(repr(c) for c in options))
            return None
        return value

    def string_list(
        self, value: Any, field_name: str, min_len: int = 0, max_len: int | None = None, unique: bool = True
    ) -> list[str] | None:
        size = f"{min_len}..{max_len}" if max_len is not None else f"at least {min_len}"
        allowed = f"a list of {size} strings" + (", without duplicates" if unique else "")
        if not self.plain(value, field_name):
            return None
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            self.add(field_name, value, allowed)
            return None
        if len(value) < min_len or (max_len is not None and len(value) > max_len):
            self.add(field_name, value, allowed)
            return None
        if unique:
            dupes = sorted({v for v in value if list(value).count(v) > 1})
            if dupes:
                self.add(field_name, value, f"{allowed}; duplicated: {', '.join(dupes)}")
                return None
        return list(value)

    def uuid(self, value: Any, field_name: str) -> str | None:
        if not self.plain(value, field_name):
            return None
        if not is_uuid(value):
            self.add(field_name, value, "a UUID such as 00000000-0000-0000-0000-000000000000")
            return None
        return value


def describe_range(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"an integer from {lo} to {hi}"
    if lo is not None:
        return f"an integer >= {lo}"
    if hi is not None:
        return f"an integer <= {hi}"
    return "an integer"


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def unknown_keys(args: Mapping[str, Any], known: Iterable[str], problems: Problems, prefix: str = "") -> None:
    """Report keys a caller passed that the Args type does not define (typos)."""
    allowed = set(known)
    for key in args:
        if key not in allowed:
            problems.add(
                prefix + str(key), args[key], "unknown key; allowed keys: " + ", ".join(sorted(allowed))
            )
