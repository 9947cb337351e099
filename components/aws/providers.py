"""Explicit AWS providers that keep the stack's AWS settings.

An explicit ``aws.Provider`` does not read the stack's ``aws:*`` config (only the default provider
does, by design: pulumi-aws #1307), so a component that makes one provider per region would deploy
with whatever credentials the environment holds, ignoring ``aws:profile`` or ``aws:assumeRoles``,
possibly into another account. Every explicit provider a crossnet component makes comes from here.

Public API (stable; AuroraGlobalDb and KafkaPrivateLinkCluster use it):

``STACK_KEYS``
    The stack config keys copied into every explicit provider: ``aws:profile``,
    ``aws:assumeRoles``, ``aws:assumeRoleWithWebIdentity``, ``aws:defaultTags``,
    ``aws:ignoreTags``, ``aws:allowedAccountIds``, ``aws:forbiddenAccountIds``,
    ``aws:sharedConfigFiles``, ``aws:sharedCredentialsFiles``, ``aws:stsRegion``.
    ``aws:region`` is never copied (each provider has its own) and ``skipRegionValidation``
    is never set: regions are checked by the components' validation first, and then by the
    provider itself.

``AwsProviderSettingsArgs`` / ``AwsAssumeRoleArgs``
    TypedDicts a component's Args use for per-region provider settings (``provider_settings``:
    region -> settings): ``profile``, ``assume_roles``, ``allowed_account_ids``,
    ``forbidden_account_ids``, ``default_tags``. Each key given replaces the stack's value of that
    key for that region; keys not given keep the stack's.

``stack_settings(config: pulumi.Config | None = None) -> dict[str, Any]``
    The ``aws.Provider`` keyword arguments the stack config implies (snake_case keys, secrets kept
    secret). Empty when the stack sets none of ``STACK_KEYS``.

``validate_settings(value: Any, problems: Problems, field: str) -> dict[str, Any] | None``
    Check one ``AwsProviderSettingsArgs`` mapping; the ``aws.Provider`` keyword arguments it
    implies, or None after recording problems under ``field`` (``field.profile``, ...).

``validate_providers(value: Any, problems: Problems, field: str, regions: Sequence[str])
-> dict[str, aws.Provider] | None``
    Check a region -> ``aws.Provider`` mapping (``providers`` in a component's Args): every key
    one of ``regions``, every value an ``aws.Provider``. The caller's provider is used as given.

``regional_provider(resource_name: str, region: str, parent: pulumi.Resource,
overrides: Mapping[str, Any] | None = None) -> aws.Provider``
    A new explicit provider for ``region``: the stack's settings, then ``overrides`` (from
    ``validate_settings``) on top, then ``region``.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import is_config_secret

from ..validation import Problems, unknown_keys

# Stack config key (camelCase, under the ``aws`` namespace) -> aws.Provider keyword argument.
STACK_KEYS: dict[str, str] = {
    "profile": "profile",
    "assumeRoles": "assume_roles",
    "assumeRoleWithWebIdentity": "assume_role_with_web_identity",
    "defaultTags": "default_tags",
    "ignoreTags": "ignore_tags",
    "allowedAccountIds": "allowed_account_ids",
    "forbiddenAccountIds": "forbidden_account_ids",
    "sharedConfigFiles": "shared_config_files",
    "sharedCredentialsFiles": "shared_credentials_files",
    "stsRegion": "sts_region",
}

TEXT_KEYS = frozenset({"profile", "stsRegion"})  # plain strings; the others are JSON objects or lists

ACCOUNT_ID = r"\d{12}"
ROLE_ARN = r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"
# STS AssumeRole: RoleSessionName is 2-64 characters of [\w+=,.@-].
SESSION_NAME = r"[\w+=,.@-]{2,64}"
PROFILE = r"[A-Za-z0-9_.@+=,-][A-Za-z0-9_.@+=,/ -]{0,127}"
DURATION = r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+"  # Go duration, as the provider parses it


class AwsAssumeRoleArgs(TypedDict):
    """One role to assume (the provider assumes them in order, each with the previous one's credentials)."""

    role_arn: str
    """The role's ARN, ``arn:aws:iam::<account>:role/<name>``."""
    session_name: NotRequired[str]
    """Session name recorded in CloudTrail [the provider's default]."""
    external_id: NotRequired[str]
    """External id the role's trust policy requires [none]."""
    duration: NotRequired[str]
    """Session duration such as ``1h`` [the provider's default, 15m]."""


class AwsProviderSettingsArgs(TypedDict):
    """Settings of one region's explicit AWS provider; each key given replaces the stack's value."""

    profile: NotRequired[str]
    """Shared config/credentials profile [the stack's ``aws:profile``]."""
    assume_roles: NotRequired[list[AwsAssumeRoleArgs]]
    """Roles to assume [the stack's ``aws:assumeRoles``]."""
    allowed_account_ids: NotRequired[list[str]]
    """The provider refuses any other account [the stack's ``aws:allowedAccountIds``]."""
    forbidden_account_ids: NotRequired[list[str]]
    """The provider refuses these accounts [the stack's ``aws:forbiddenAccountIds``]."""
    default_tags: NotRequired[dict[str, str]]
    """Tags on every resource the provider creates [the stack's ``aws:defaultTags``]."""


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _snake_keys(value: Any) -> Any:
    """Config objects are camelCase (``roleArn``); provider arguments are snake_case (``role_arn``).

    Only object keys of the provider's own blocks are renamed: a tag map's keys are data.
    """
    if isinstance(value, list):
        return [_snake_keys(v) for v in value]
    if isinstance(value, Mapping):
        return {_snake(str(k)): (v if k == "tags" else _snake_keys(v)) for k, v in value.items()}
    return value


def _typed(kwarg: str, value: Any) -> Any:
    """Blocks as the SDK's input types, so they reach the provider with its own (camelCase) names."""
    if kwarg == "assume_roles":
        return [aws.ProviderAssumeRoleArgs(**role) for role in value]
    if kwarg == "assume_role_with_web_identity":
        return aws.ProviderAssumeRoleWithWebIdentityArgs(**value)
    if kwarg == "default_tags":
        return aws.ProviderDefaultTagsArgs(**value)
    if kwarg == "ignore_tags":
        return aws.ProviderIgnoreTagsArgs(**value)
    return value


def stack_settings(config: pulumi.Config | None = None) -> dict[str, Any]:
    """The aws.Provider keyword arguments implied by the stack's ``aws:*`` config (see STACK_KEYS)."""
    config = config or pulumi.Config("aws")
    found: dict[str, Any] = {}
    for key, kwarg in STACK_KEYS.items():
        value = config.get(key) if key in TEXT_KEYS else config.get_object(key)
        if value is None:
            continue
        value = _typed(kwarg, _snake_keys(value))
        # A secret config value (an external id, say) stays secret in the provider's inputs.
        found[kwarg] = pulumi.Output.secret(value) if is_config_secret(config.full_key(key)) else value
    return found


def _string_list(problems: Problems, value: Any, field: str, pattern: str, allowed: str) -> list[str] | None:
    items = problems.string_list(value, field, 1)
    if items is None:
        return None
    bad = [v for v in items if not re.fullmatch(pattern, v)]
    if bad:
        problems.add(field, bad, allowed)
        return None
    return items


def _assume_roles(problems: Problems, value: Any, field: str) -> list[dict[str, str]] | None:
    if not isinstance(value, list | tuple) or not value:
        if problems.plain(value, field):
            problems.add(field, value, "a non-empty list of mappings with role_arn")
        return None
    roles: list[dict[str, str]] = []
    for i, item in enumerate(value):
        at = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            if problems.plain(item, at):
                problems.add(
                    at, item, "a mapping with role_arn and optional session_name, external_id, duration"
                )
            continue
        unknown_keys(item, AwsAssumeRoleArgs.__annotations__, problems, at + ".")
        role: dict[str, str] = {}
        checks = (
            ("role_arn", ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/deployer"),
            ("session_name", SESSION_NAME, "2-64 letters, digits or +=,.@_-"),
            ("external_id", r"[\w+=,.@:/-]{2,1224}", "2-1224 letters, digits or +=,.@:/_-"),
            ("duration", DURATION, "a duration such as 15m or 1h"),
        )
        for key, pattern, allowed in checks:
            if key in item or key == "role_arn":
                text = problems.string(item.get(key), f"{at}.{key}", pattern, allowed)
                if text is not None:
                    role[key] = text
        roles.append(role)
    return roles


def validate_settings(value: Any, problems: Problems, field: str) -> dict[str, Any] | None:
    """Check an AwsProviderSettingsArgs mapping; its aws.Provider keyword arguments, or None."""
    if not isinstance(value, Mapping):
        if problems.plain(value, field):
            problems.add(field, value, "a mapping of AWS provider settings (profile, assume_roles, ...)")
        return None
    before = len(problems.items)
    unknown_keys(value, AwsProviderSettingsArgs.__annotations__, problems, field + ".")
    kwargs: dict[str, Any] = {}
    if "profile" in value:
        kwargs["profile"] = problems.string(
            value["profile"], f"{field}.profile", PROFILE, "a profile name from the shared AWS config"
        )
    if "assume_roles" in value:
        roles = _assume_roles(problems, value["assume_roles"], f"{field}.assume_roles")
        kwargs["assume_roles"] = None if roles is None else _typed("assume_roles", roles)
    for key in ("allowed_account_ids", "forbidden_account_ids"):
        if key in value:
            kwargs[key] = _string_list(
                problems, value[key], f"{field}.{key}", ACCOUNT_ID, "12-digit account ids"
            )
    if "allowed_account_ids" in kwargs and "forbidden_account_ids" in kwargs:
        problems.add(
            f"{field}.forbidden_account_ids",
            value["forbidden_account_ids"],
            "not together with allowed_account_ids (the provider accepts one of the two)",
        )
    if "default_tags" in value:
        tags = value["default_tags"]
        if not problems.plain(tags, f"{field}.default_tags"):
            pass
        elif not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= 128 and len(v) <= 256
            for k, v in tags.items()
        ):
            problems.add(
                f"{field}.default_tags", tags, "a mapping of tag keys (1-128) to values (0-256 characters)"
            )
        else:
            kwargs["default_tags"] = _typed("default_tags", {"tags": dict(tags)})
    if len(problems.items) > before:
        return None
    return kwargs


def validate_providers(
    value: Any, problems: Problems, field: str, regions: Sequence[str]
) -> dict[str, aws.Provider] | None:
    """Check a region -> aws.Provider mapping; the mapping, or None after recording problems."""
    if not isinstance(value, Mapping):
        if problems.plain(value, field):
            problems.add(field, value, "a mapping of region -> aws.Provider")
        return None
    before = len(problems.items)
    for region, provider in value.items():
        if region not in regions:
            problems.add(f"{field}.{region}", provider, "a key that is one of " + ", ".join(regions))
        elif not isinstance(provider, aws.Provider):
            problems.add(f"{field}.{region}", provider, "an aws.Provider for this region")
    if len(problems.items) > before:
        return None
    return dict(value)


def regional_provider(
    resource_name: str,
    region: str,
    parent: pulumi.Resource,
    overrides: Mapping[str, Any] | None = None,
) -> aws.Provider:
    """A new explicit provider in ``region``: the stack's AWS settings, ``overrides`` on top."""
    kwargs = {**stack_settings(), **(overrides or {})}
    return aws.Provider(resource_name, region=region, **kwargs, opts=pulumi.ResourceOptions(parent=parent))


__all__ = [
    "STACK_KEYS",
    "AwsAssumeRoleArgs",
    "AwsProviderSettingsArgs",
    "regional_provider",
    "stack_settings",
    "validate_providers",
    "validate_settings",
]
