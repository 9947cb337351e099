"""``python -m plan STACK --check``: what a real preview/up (and the policy pack) would refuse.

Runs over the offline plan document:

- ``provider-name`` / ``provider-name-unique`` (:mod:`plan.provider_rules`): cloud-side name
  length, characters and uniqueness, with Pulumi's auto-name suffix counted;
- ``location``: AWS provider regions against botocore's partition data, GCP regions and zones
  against the sourced table (:mod:`components.aws.regions`, :mod:`components.gcp.regions`), and
  explicit AWS providers that skip the provider's own region validation;
- ``sdk-*`` (:mod:`plan.sdk_schema`): recorded inputs against the installed provider SDKs;
- the crossnet guardrails policy pack (``policy/rules.py``) at its own levels, or at the levels
  of ``--policy-config FILE`` (``policy/production.json``).

Each finding names the resource, the property, the value and the rule; the command exits 1 when
any finding is mandatory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._lib import module, policy_rules
from .provider_rules import Finding, check_names, components_of


class PolicyConfigError(Exception):
    """The ``--policy-config`` file is unreadable or names an unknown rule or level."""


def load_policy_levels(path: Path) -> dict[str, str]:
    """Rule name -> level, from a file like ``policy/production.json``.

    Both shapes Pulumi accepts for ``--policy-pack-config`` work: ``{"rule": "mandatory"}`` and
    ``{"rule": {"enforcementLevel": "mandatory"}}``; ``all`` sets every rule.
    """
    rules = policy_rules()
    if rules is None:
        raise PolicyConfigError("the crossnet policy pack is not installed: --policy-config needs it")
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyConfigError(f"{path}: cannot read policy config: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of rule name -> level")
    levels: dict[str, str] = {}
    for name, value in raw.items():
        level = value.get("enforcementLevel") if isinstance(value, dict) else value
        if level not in ("mandatory", "advisory", "disabled"):
            raise PolicyConfigError(
                f"{path}: {name}: level {level!r}; allowed: mandatory, advisory, disabled"
            )
        if name == "all":
            levels.update({rule.name: level for rule in rules.RULES})
        elif name not in rules.RULES_BY_NAME:
            raise PolicyConfigError(f"{path}: no policy rule named {name!r}")
        else:
            levels[name] = level
    return levels


def check_policy(doc: Mapping[str, Any], levels: Mapping[str, str] | None = None) -> list[Finding]:
    rules = policy_rules()
    if rules is None:
        return []
    by_urn = {r["urn"]: r for r in doc.get("resources") or []}
    components = components_of(by_urn.values())
    findings = []
    for found in rules.evaluate_plan(doc, levels):
        record = by_urn.get(found.urn, {})
        rule = rules.RULES_BY_NAME[found.rule]
        findings.append(
            Finding(
                f"policy {found.rule}",
                found.level,
                found.urn,
                found.resource_type,
                str(record.get("name", "")),
                "",
                None,
                found.message,
                "policy/rules.py" + (f" (checkov {', '.join(rule.checkov)})" if rule.checkov else ""),
                components.get(found.urn, ""),
            )
        )
    return findings


def check_locations(doc: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[Finding]:
    """AWS regions and AZ ids, GCP regions and zones, wherever the plan records one."""
    aws_regions, gcp_regions = module("aws.regions"), module("gcp.regions")
    try:
        aws_regions.regions()
        aws_known = True
    except RuntimeError:  # botocore is not installed (crossnet without the [aws] extra)
        aws_known = False
    problems_class = module("validation").Problems

    config = config or {}
    findings: list[Finding] = []
    components = components_of(doc.get("resources") or [])

    def add(record: Mapping[str, Any], prop: str, value: Any, rule: str, source: str) -> None:
        findings.append(
            Finding(
                "location",
                "mandatory",
                str(record.get("urn", "")),
                str(record.get("type", "")),
                str(record.get("name", "")),
                prop,
                value,
                rule,
                source,
                components.get(str(record.get("urn", "")), ""),
            )
        )

    def run(record: Mapping[str, Any], prop: str, check: Any, *extra: Any) -> None:
        problems = problems_class("plan")
        value = (record.get("inputs") or {}).get(prop)
        if isinstance(value, str):
            check(problems, value, prop, *extra)
            for problem in problems.items:
                add(record, prop, value, problem.allowed, getattr(check, "__module__", ""))

    def run_config(key: str, check: Any, source: str) -> None:
        problems = problems_class("plan")
        check(problems, config[key], key)
        for problem in problems.items:
            add({"type": "stack config", "name": key}, key, config[key], problem.allowed, source)

    for key, checker in (("aws:region", aws_regions.check_region), ("gcp:region", gcp_regions.check_region)):
        if isinstance(config.get(key), str) and (aws_known or not key.startswith("aws:")):
            run_config(key, checker, checker.__module__)
    if isinstance(config.get("gcp:zone"), str):
        run_config("gcp:zone", gcp_regions.check_zone, "")

    for record in doc.get("resources") or []:
        resource_type = str(record.get("type", ""))
        inputs = record.get("inputs") or {}
        if resource_type == "pulumi:providers:aws":
            if aws_known:
                run(record, "region", aws_regions.check_region)
            if str(inputs.get("skipRegionValidation")).lower() == "true":
                add(
                    record,
                    "skipRegionValidation",
                    inputs["skipRegionValidation"],
                    "explicit AWS providers validate their region (pass skip_region_validation=False; "
                    "pulumi_aws.Provider defaults it to True)",
                    "pulumi_aws/provider.py (skip_region_validation default)",
                )
        elif resource_type.startswith("aws:") and aws_known:
            run(record, "availabilityZoneId", aws_regions.check_az_id, None)
        elif resource_type.startswith("gcp:"):
            run(record, "region", gcp_regions.check_region)
            run(record, "zone", gcp_regions.check_zone)
            run(record, "nextHopInstanceZone", gcp_regions.check_zone)
    return findings


def run_checks(
    doc: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    policy_levels: Mapping[str, str] | None = None,
    sdk: bool = True,
) -> list[Finding]:
    findings = check_names(doc, config) + check_locations(doc, config)
    if sdk:
        from . import sdk_schema

        findings += sdk_schema.check_plan(doc)
    findings += check_policy(doc, policy_levels)
    return findings


def report(findings: list[Finding]) -> str:
    mandatory = [f for f in findings if f.level == "mandatory"]
    lines = [f.render() for f in sorted(findings, key=lambda f: (f.level != "mandatory", f.check, f.urn))]
    by_component: dict[str, int] = {}
    for finding in mandatory:
        key = finding.component or "(stack)"
        by_component[key] = by_component.get(key, 0) + 1
    summary = f"plan check: {len(findings)} finding(s), {len(mandatory)} mandatory"
    if by_component:
        summary += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(by_component.items())) + ")"
    return "\n".join([*lines, summary])
