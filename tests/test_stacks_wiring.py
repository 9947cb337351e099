"""__main__.py / stacks.run: scenario selection, config validation, exports, lazy imports."""

import subprocess
import sys
from pathlib import Path

import pytest

import stacks
from components import ValidationError
from stacks import Scenario

ROOT = Path(__file__).resolve().parent.parent
FAKE = {"fake": Scenario("tests.fixtures.fake_scenario", "fake", "fixture")}


def test_enabled_scenario_is_deployed_and_exported(runtime_factory):
    rt = runtime_factory(
        config={"crossnet:scenarios": ["fake"], "crossnet:fake": {"cidr": "10.9.0.0/16", "length": 16}}
    )
    results = rt.run(lambda: stacks.run(FAKE))
    assert set(results) == {"fake"}
    outputs = rt.stack_outputs()
    assert outputs["fake"]["vpc_id"].startswith("vpc-")
    assert len(outputs["fake"]["password"]) == 16
    assert rt.secret_stack_outputs() == {"fake"}
    assert rt.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.9.0.0/16"


def test_no_scenarios_enabled_is_an_error_that_says_how_to_enable_one(runtime_factory):
    rt = runtime_factory(config={"crossnet:scenarios": []})
    with pytest.raises(ValidationError, match="no scenario is enabled; enable one with `pulumi config set"):
        rt.run(lambda: stacks.run(FAKE))
    assert rt.resources == []


def test_unknown_scenario_is_a_validation_error_naming_the_allowed_ones(runtime_factory):
    rt = runtime_factory(config={"crossnet:scenarios": ["fake", "kafak"]})
    with pytest.raises(ValidationError) as info:
        rt.run(lambda: stacks.run(FAKE))
    assert info.value.fields == ["crossnet:scenarios"]
    assert "'kafak'" in str(info.value) and "allowed: fake" in str(info.value)
    assert rt.resources == []


def test_bad_section_values_are_all_reported_before_any_resource(runtime_factory):
    rt = runtime_factory(
        config={"crossnet:scenarios": ["fake"], "crossnet:fake": {"cidr": "10.9.0.1/16", "length": 2}}
    )
    with pytest.raises(ValidationError) as info:
        rt.run(lambda: stacks.run(FAKE))
    assert info.value.fields == ["crossnet:fake.cidr", "crossnet:fake.length"]
    assert rt.resources == []


def test_section_must_be_a_mapping(runtime_factory):
    rt = runtime_factory(config={"crossnet:scenarios": ["fake"], "crossnet:fake": ["x"]})
    with pytest.raises(ValidationError, match="crossnet:fake: got \\['x'\\]; a mapping"):
        rt.run(lambda: stacks.run(FAKE))


def test_every_registered_scenario_names_an_importable_module_path():
    assert set(stacks.SCENARIOS) == {
        "timescale_azure_peering",
        "geo_postgres_vpn",
        "tidb_kafka_privatelink",
        "keycloak_aurora_global",
    }
    for name, scenario in stacks.SCENARIOS.items():
        assert scenario.module == f"stacks.{name}"


def test_importing_components_loads_no_cloud_sdk():
    code = (
        "import sys, components; from components import ValidationError; "
        "print(sorted(m for m in sys.modules if m.startswith(('pulumi_aws', 'pulumi_gcp', "
        "'pulumi_azure', 'pulumi_aiven'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert out == "[]"
