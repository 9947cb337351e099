"""Real regions and zones (issue 13, item 2): AWS from botocore's partition data, GCP from a
sourced table; the mock's AZ answers share the one AZ-id prefix function (issue 12, item 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components.aws import ids
from components.aws import regions as aws_regions
from components.gcp import regions as gcp_regions
from components.validation import Problems
from plan.__main__ import main
from plan.answers.common import aws_zones, get_availability_zones
from plan.mocks import Ctx

ROOT = Path(__file__).resolve().parents[2]


def test_aws_regions_come_from_botocore_partitions():
    known = aws_regions.regions()
    assert {"us-west-2", "eu-central-1", "us-gov-west-1", "cn-northwest-1", "ap-southeast-5"} <= known
    assert not {r for r in known if r.endswith("-global")}
    assert aws_regions.partition_of("us-gov-west-1") == "aws-us-gov"


@pytest.mark.parametrize("region", ["eu-central-9", "us-west-9", "us-gov-west-9"])
def test_well_formed_but_unknown_regions_do_not_match(region):
    assert not re.fullmatch(ids.REGION, region)


@pytest.mark.parametrize("region", ["us-west-2", "us-gov-west-1", "ap-southeast-1", "il-central-1"])
def test_known_regions_match(region):
    assert re.fullmatch(ids.REGION, region)


def test_check_region_names_the_field_and_suggests():
    problems = Problems("test")
    assert aws_regions.check_region(problems, "eu-central-9", "kafka.region") is None
    (problem,) = problems.items
    assert problem.field == "kafka.region" and "did you mean eu-central-" in problem.allowed
    assert "botocore" in problem.allowed


@pytest.mark.parametrize(
    ("az_id", "region", "ok"),
    [
        ("usw2-az1", "us-west-2", True),
        ("usw9-az1", "us-west-2", False),
        ("usgw1-az2", "us-gov-west-1", True),
        ("use1-az1", "us-west-2", False),
        ("usw2az1", "us-west-2", False),
    ],
)
def test_check_az_id(az_id, region, ok):
    problems = Problems("test")
    assert (aws_regions.check_az_id(problems, az_id, "az_ids[0]", region) == az_id) is ok
    assert bool(problems) is not ok
    assert bool(re.fullmatch(ids.AZ_ID, az_id)) is (az_id != "usw9-az1" and az_id != "usw2az1")


@pytest.mark.parametrize("region", ["us-gov-west-1", "us-gov-east-1", "cn-northwest-1", "us-west-2"])
def test_mock_availability_zones_work_for_every_partition(region):
    """The mock crashed on GovCloud (three-part unpacking of a four-part name)."""
    zones = aws_zones(region)
    prefix = aws_regions.zone_id_prefix(region)
    assert len(zones) == 4 and all(z.startswith(prefix + "-az") for _, z in zones)
    answer = get_availability_zones(Ctx("", "", {}, region, {}, None))
    assert answer["zoneIds"][0].startswith(prefix)


def test_gcp_regions_and_zones_table():
    problems = Problems("test")
    assert gcp_regions.check_region(problems, "europe-west1", "gcp:region") == "europe-west1"
    assert gcp_regions.check_zone(problems, "europe-west1-b", "zone", "europe-west1") == "europe-west1-b"
    assert not problems
    assert gcp_regions.check_region(problems, "europe-west99", "gcp:region") is None
    assert gcp_regions.check_zone(problems, "europe-west1-a", "vpn.gateway.zone") is None
    assert gcp_regions.check_zone(problems, "us-central1-b", "zone", "europe-west1") is None
    fields = [p.field for p in problems.items]
    assert fields == ["gcp:region", "vpn.gateway.zone", "zone"]
    assert "did you mean europe-west" in problems.items[0].allowed
    assert "europe-west1-b, europe-west1-c, europe-west1-d" in problems.items[1].allowed
    assert gcp_regions.AS_OF and gcp_regions.SOURCE.startswith("https://cloud.google.com/")


def _dev_with(tmp_path: Path, section: str, **changes: object) -> Path:
    doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    doc["config"][f"crossnet:{section}"].update(changes)
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_kafka_in_a_region_that_does_not_exist_is_refused(tmp_path, capsys):
    path = _dev_with(tmp_path, "kafka", region="us-west-9", az_ids=["usw9-az1", "usw9-az2"])
    assert main(["x", "--config-file", str(path), "--project-dir", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "crossnet:kafka.region: got 'us-west-9'" in err


def test_aurora_in_a_region_that_does_not_exist_is_refused(tmp_path, capsys):
    path = _dev_with(tmp_path, "aurora", regions=["us-west-2", "eu-central-9"])
    assert main(["x", "--config-file", str(path), "--project-dir", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "crossnet:aurora.regions" in err and "eu-central-9" in err
