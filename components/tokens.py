"""Type tokens of crossnet's components, and the aliases that keep stacks deployed with 0.1.0.

Every component registers ``crossnet:index:<Class>``, the token ``component_provider_host``
serves for it, so a Python program and a TypeScript/Go/YAML program create the same type.
0.1.0 registered ``crossnet:<module>:<Class>``; the alias makes Pulumi treat a resource of
the old type as this one, so upgrading replaces nothing.
"""

from __future__ import annotations

import pulumi

PACKAGE = "crossnet"


def type_token(cls_name: str) -> str:
    """The type token a component registers: ``crossnet:index:<Class>``."""
    return f"{PACKAGE}:index:{cls_name}"


def legacy_token(module: str, cls_name: str) -> str:
    """The 0.1.0 type token: ``crossnet:<module>:<Class>`` (module: aws, azure, gcp)."""
    return f"{PACKAGE}:{module}:{cls_name}"


def component_opts(module: str, cls_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """``opts`` plus the alias from the 0.1.0 type token."""
    alias = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=legacy_token(module, cls_name))])
    return pulumi.ResourceOptions.merge(opts, alias)
