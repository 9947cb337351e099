"""Stable child names: the component name plus keys that do not shift."""

from __future__ import annotations

import re


def child(component: str, *keys: object) -> str:
    """``child("db", "us-east-1", "vpc")`` -> ``"db-us-east-1-vpc"``.

    Keys are stable identifiers (region, AZ id, broker number, client name),
    never list positions or anything that varies between runs.
    """
    parts = [component] + [slug(str(k)) for k in keys]
    return "-".join(p for p in parts if p)


def slug(value: str) -> str:
    """Lowercase, with runs of characters outside [a-z0-9.] turned into one hyphen."""
    return re.sub(r"[^a-z0-9.]+", "-", value.lower()).strip("-")
