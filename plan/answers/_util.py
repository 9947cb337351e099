"""Deterministic identifiers for mock answers."""

from __future__ import annotations

import hashlib

ACCOUNT_ID = "123456789012"


def digest(*parts: object, length: int = 17) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def aws_arn(service: str, region: str, resource: str, account: str = ACCOUNT_ID) -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"
