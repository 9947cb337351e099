"""The crossnet guardrails policy pack.

    pulumi preview --policy-pack policy
    pulumi preview --policy-pack policy --policy-pack-config policy/production.json

The rules are the pure functions in ``rules.py``; this module only adapts them to
``pulumi_policy``. Building the policies does not start the analyzer, so tests import this
module and call :func:`policies` / :func:`make_pack_servicer`; the engine runs the file as
``__main__``, which starts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

try:  # imported from the project (tests) ...
    from policy import rules
except ImportError:  # ... or run by the engine, with the pack directory on sys.path
    import rules  # type: ignore[import-not-found,no-redef]

PACK_NAME = "crossnet-guardrails"

LEVELS = {rules.MANDATORY: EnforcementLevel.MANDATORY, rules.ADVISORY: EnforcementLevel.ADVISORY}


def plain(value: Any) -> Any:
    """The engine's props (proxies that raise on unknown values) as plain dicts and lists.

    An unknown value becomes ``rules.UNKNOWN`` where it sits, so one value computed during
    preview does not stop every other check on the resource.
    """
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = rules.UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        elements: list[Any] = []
        for i in range(len(value)):
            try:
                elements.append(plain(value[i]))
            except UnknownValueError:
                elements.append(rules.UNKNOWN)
        return elements
    return value


def _description(rule: rules.Rule) -> str:
    mirrors = f" (checkov {', '.join(rule.checkov)})" if rule.checkov else " (no checkov equivalent)"
    return rule.description + mirrors


def _validator(rule: rules.Rule) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        for message in rule.check(args.resource_type, plain(args.props)):
            report_violation(message, None)

    return validate


def policies() -> list[Policy]:
    """One ``ResourceValidationPolicy`` per rule, at the rule's enforcement level."""
    return [
        ResourceValidationPolicy(
            name=rule.name,
            description=_description(rule),
            validate=_validator(rule),
            enforcement_level=LEVELS[rule.level],
            remediation_steps=rule.remediation or None,
        )
        for rule in rules.RULES
    ]


def main() -> None:
    PolicyPack(
        name=PACK_NAME,
        policies=policies(),
        enforcement_level=EnforcementLevel.ADVISORY,
        description="checkov's security baselines for the resources crossnet creates",
    )


if __name__ == "__main__":
    main()
