"""Scenarios: each module reads its config section and composes components.

A scenario module provides two functions:

- ``configure(section: Mapping[str, Any]) -> T`` reads and validates its section of
  the stack config (``crossnet:<section>``) and registers nothing; bad input raises
  ``components.ValidationError`` with fields named ``crossnet:<section>.<key>``.
- ``deploy(config: T) -> dict[str, Any]`` creates the components and returns the
  outputs exported under the scenario's name.

``run`` configures every enabled scenario first, so one error lists the problems
of all of them before any resource is registered. A scenario's module (and so its
cloud SDKs) is imported only when it is enabled.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.validation import Problems, ValidationError


@dataclass(frozen=True)
class Scenario:
    module: str
    section: str
    summary: str


SCENARIOS: dict[str, Scenario] = {
    "timescale_azure_peering": Scenario(
        "stacks.timescale_azure_peering",
        "azure",
        "Azure VNet peered with an Aiven (Managed Service for TimescaleDB) project VPC",
    ),
    "geo_postgres_vpn": Scenario(
        "stacks.geo_postgres_vpn",
        "vpn",
        "OpenVPN site-to-site gateway on GCP and a PostgreSQL streaming standby",
    ),
    "tidb_kafka_privatelink": Scenario(
        "stacks.tidb_kafka_privatelink",
        "kafka",
        "self-hosted Kafka (KRaft) exposed to TiDB Cloud through AWS PrivateLink",
    ),
    "keycloak_aurora_global": Scenario(
        "stacks.keycloak_aurora_global",
        "aurora",
        "Aurora PostgreSQL global database with a writer-following DNS name",
    ),
}


NAME_PATTERN = r"[a-z0-9.]+(-[a-z0-9.]+)*"


def pop_name(
    settings: dict[str, Any],
    section: str,
    default: str,
    problems: Problems,
    pattern: str = NAME_PATTERN,
    allowed: str = "lowercase letters, digits, '.' and '-'",
) -> str:
    """Take the optional ``name`` key (the component's name) out of a config section and check it."""
    name = settings.pop("name", default)
    problems.string(name, f"{section}.name", pattern, allowed)
    return name


HOW_TO_ENABLE = "pulumi config set --path 'crossnet:scenarios[0]' tidb_kafka_privatelink"


def enabled(config: pulumi.Config, scenarios: Mapping[str, Scenario]) -> list[str]:
    """The scenario names listed in ``crossnet:scenarios``, validated: a non-empty list of known names."""
    problems = Problems("stack config")
    allowed = "allowed: " + ", ".join(sorted(scenarios))
    try:
        names = config.get_object("scenarios")
    except pulumi.ConfigTypeError:  # a bare word, not a YAML list
        names = config.get("scenarios")
    if names is None or names == []:
        problems.add(
            "crossnet:scenarios",
            names,
            "a list of scenario names, but no scenario is enabled; "
            f"enable one with `{HOW_TO_ENABLE}` ({allowed})",
        )
    elif not isinstance(names, list):
        problems.add(
            "crossnet:scenarios", names, f"a list of scenario names (in YAML: [name, ...]); {allowed}"
        )
    listed = problems.string_list(names, "crossnet:scenarios") if isinstance(names, list) else None
    for name in listed or []:
        if name not in scenarios:
            problems.add("crossnet:scenarios", name, "unknown scenario; " + allowed)
    problems.raise_if_any()
    return list(listed or [])


def config_keys(namespace: str) -> dict[str, Any]:
    """Every key the stack's config sets in ``namespace`` (``crossnet:kafka`` -> ``kafka``), with its text."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {k.split(":", 1)[1]: v for k, v in sorted(every.items()) if k.startswith(namespace + ":")}


def unknown_sections(namespace: str, scenarios: Mapping[str, Scenario], problems: Problems) -> None:
    """A misspelled section (``crossnet:kafak``) would be ignored silently: refuse it, with a suggestion."""
    import difflib

    known = {"scenarios"} | {s.section for s in scenarios.values()}
    for key, value in config_keys(namespace).items():
        if key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"did you mean {namespace}:{close[0]}? " if close else ""
        problems.add(
            f"{namespace}:{key}",
            value,
            f"no scenario reads this key; {hint}known: "
            + ", ".join(f"{namespace}:{k}" for k in sorted(known)),
        )


def run(
    scenarios: Mapping[str, Scenario] | None = None, config: pulumi.Config | None = None
) -> dict[str, dict[str, Any]]:
    """Configure, then deploy, every enabled scenario; export outputs under its name."""
    scenarios = SCENARIOS if scenarios is None else scenarios
    config = config if config is not None else pulumi.Config("crossnet")
    problems = Problems("stack config")
    unknown_sections("crossnet", scenarios, problems)
    try:
        names = enabled(config, scenarios)
    except ValidationError as err:
        problems.items.extend(err.problems)
        names = []
    configured: dict[str, tuple[Any, Any]] = {}
    for name in names:
        scenario = scenarios[name]
        try:
            section = config.get_object(scenario.section) or {}
        except Exception as exc:  # noqa: BLE001 - malformed YAML/JSON in config
            problems.add(f"crossnet:{scenario.section}", "<unparsable>", f"a mapping ({exc})")
            continue
        if not isinstance(section, dict):
            problems.add(f"crossnet:{scenario.section}", section, "a mapping of settings")
            continue
        module = importlib.import_module(scenario.module)
        try:
            configured[name] = (module, module.configure(section))
        except ValidationError as err:
            problems.items.extend(err.problems)
    problems.raise_if_any()

    results: dict[str, dict[str, Any]] = {}
    for name in names:
        module, parsed = configured[name]
        results[name] = module.deploy(parsed)
        pulumi.export(name, results[name])
    return results
