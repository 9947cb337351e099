"""Explicit per-region providers keep the stack's AWS settings (issue 14 item 7, pulumi-aws #1307)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import ValidationError
from components.aws.aurora import AuroraGlobalDb
from plan.runtime import MockRuntime

T_PROVIDER = "pulumi:providers:aws"
ROLE = "arn:aws:iam::123456789012:role/deployer"
STACK_AWS = {
    "aws:profile": "ops",
    "aws:assumeRoles": [{"roleArn": ROLE, "sessionName": "crossnet", "externalId": "x-1"}],
    "aws:defaultTags": {"tags": {"team": "identity", "costCenter": "42"}},
    "aws:allowedAccountIds": ["123456789012"],
}
ARGS: dict[str, Any] = {
    "regions": ["us-east-1", "eu-west-1"],
    "global_cluster_identifier": "kc-global",
    "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
}


def decoded(value: Any) -> Any:
    """Provider inputs that are not strings travel JSON-encoded."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def provider_inputs(rt: MockRuntime) -> dict[str, dict[str, Any]]:
    return {p.inputs["region"]: {k: decoded(v) for k, v in p.inputs.items()} for p in rt.of_type(T_PROVIDER)}


def test_every_explicit_provider_copies_the_stack_settings(runtime_factory: Any) -> None:
    rt = runtime_factory(config=STACK_AWS)
    AuroraGlobalDb("kc", ARGS)  # type: ignore[arg-type]
    rt.settle()
    inputs = provider_inputs(rt)
    assert set(inputs) == {"us-east-1", "eu-west-1"}
    for region, got in inputs.items():
        assert got["profile"] == "ops", region
        assert got["assumeRoles"] == [{"roleArn": ROLE, "sessionName": "crossnet", "externalId": "x-1"}]
        assert got["defaultTags"] == {"tags": {"team": "identity", "costCenter": "42"}}
        assert got["allowedAccountIds"] == ["123456789012"]
        # pulumi_aws.Provider would fill in true; a real `up` validates the region (issue 13).
        assert got["skipRegionValidation"] == "false"


def test_without_stack_settings_a_provider_has_only_its_region(runtime: MockRuntime) -> None:
    AuroraGlobalDb("kc", ARGS)  # type: ignore[arg-type]
    runtime.settle()
    for region, got in provider_inputs(runtime).items():
        sdk_defaults = {"version", "skipCredentialsValidation", "skipRegionValidation"}
        assert {k: v for k, v in got.items() if k not in sdk_defaults} == {"region": region}


def test_per_region_settings_replace_the_stack_values_key_by_key(runtime_factory: Any) -> None:
    rt = runtime_factory(config=STACK_AWS)
    other = "arn:aws:iam::210987654321:role/dr"
    AuroraGlobalDb(
        "kc",
        {  # type: ignore[arg-type]
            **ARGS,
            "provider_settings": {
                "eu-west-1": {"assume_roles": [{"role_arn": other}], "allowed_account_ids": ["210987654321"]}
            },
        },
    )
    rt.settle()
    inputs = provider_inputs(rt)
    assert inputs["eu-west-1"]["assumeRoles"] == [{"roleArn": other}]
    assert inputs["eu-west-1"]["allowedAccountIds"] == ["210987654321"]
    assert inputs["eu-west-1"]["profile"] == "ops"  # not given for the region: the stack's
    assert inputs["us-east-1"]["allowedAccountIds"] == ["123456789012"]


def test_a_passed_provider_is_used_as_given(runtime: MockRuntime) -> None:
    import pulumi_aws as aws

    mine = aws.Provider("mine-eu", region="eu-west-1", profile="dr-account")
    AuroraGlobalDb("kc", {**ARGS, "providers": {"eu-west-1": mine}})  # type: ignore[arg-type]
    runtime.settle()
    providers = runtime.of_type(T_PROVIDER)
    assert sorted(p.name for p in providers) == ["kc-us-east-1-aws", "mine-eu"]
    mine_urn = runtime.one(T_PROVIDER, "mine-eu").urn
    cluster = runtime.one("aws:rds/cluster:Cluster", "kc-eu-west-1-cluster")
    assert cluster.provider_urn.startswith(mine_urn)


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"providers": {"ap-south-1": None}}, "providers.ap-south-1", "one of us-east-1, eu-west-1"),
        ({"providers": {"eu-west-1": "default"}}, "providers.eu-west-1", "an aws.Provider"),
        (
            {"provider_settings": {"eu-west-1": {"profile": ""}}},
            "provider_settings.eu-west-1.profile",
            "profile",
        ),
        (
            {"provider_settings": {"eu-west-1": {"assume_roles": [{"role_arn": "deployer"}]}}},
            "provider_settings.eu-west-1.assume_roles[0].role_arn",
            "IAM role ARN",
        ),
        (
            {"provider_settings": {"eu-west-1": {"allowed_account_ids": ["1234"]}}},
            "provider_settings.eu-west-1.allowed_account_ids",
            "12-digit",
        ),
        (
            {"provider_settings": {"eu-west-1": {"region": "eu-west-2"}}},
            "provider_settings.eu-west-1.region",
            "unknown key",
        ),
        ({"provider_settings": {"mars-1": {}}}, "provider_settings.mars-1", "one of us-east-1, eu-west-1"),
    ],
)
def test_bad_provider_args_are_named(
    runtime: MockRuntime, extra: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        AuroraGlobalDb("kc", {**ARGS, **extra})  # type: ignore[arg-type]
    problem = next(p for p in info.value.problems if p.field == field)
    assert words in str(problem)
    runtime.settle()
    assert runtime.resources == []


def test_a_secret_stack_setting_stays_secret(runtime_factory: Any) -> None:
    rt = runtime_factory(config=STACK_AWS, secret_keys=["aws:assumeRoles"])
    AuroraGlobalDb("kc", ARGS)  # type: ignore[arg-type]
    rt.settle()
    for provider in rt.of_type(T_PROVIDER):
        assert "assumeRoles" in provider.secret_inputs
        assert "profile" not in provider.secret_inputs
