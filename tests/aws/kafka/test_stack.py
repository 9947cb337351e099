"""The tidb_kafka_privatelink scenario: the dev stack's section, its exports and config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import stacks
from components import ValidationError

ROOT = Path(__file__).resolve().parents[3]


def dev_section() -> dict:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    return config["crossnet:kafka"]


def test_dev_stack_exports_exactly_what_the_tidb_cloud_console_asks_for(runtime_factory):
    section = dev_section()
    rt = runtime_factory(
        config={
            "aws:region": "us-west-2",
            "crossnet:scenarios": ["tidb_kafka_privatelink"],
            "crossnet:kafka": section,
        }
    )
    rt.run(lambda: stacks.run())
    exported = rt.stack_outputs()["tidb_kafka_privatelink"]
    service = rt.one("aws:ec2/vpcEndpointService:VpcEndpointService")
    assert exported == {
        "endpoint_service_name": f"com.amazonaws.vpce.us-west-2.{service.id}",
        "bootstrap_port": 9092,
        "unique_name": section["unique_name"],
        "az_ids": section["az_ids"],
    }
    assert len(rt.of_type("aws:ec2/instance:Instance")) == section["broker_count"]
    assert rt.one("crossnet:index:KafkaPrivateLinkCluster").name == section["name"]


def test_bad_section_names_each_field_under_crossnet_kafka_before_any_resource(runtime_factory):
    section = {
        **dev_section(),
        "unique_name": "Not-OK",
        "broker_count": 0,
        "name": "Bad Name",
        "allowed_principals": [],
    }
    rt = runtime_factory(config={"crossnet:scenarios": ["tidb_kafka_privatelink"], "crossnet:kafka": section})
    with pytest.raises(ValidationError) as info:
        rt.run(lambda: stacks.run())
    assert info.value.fields == [
        "crossnet:kafka.name",
        "crossnet:kafka.unique_name",
        "crossnet:kafka.allowed_principals",
        "crossnet:kafka.broker_count",
    ]
    assert rt.resources == []
