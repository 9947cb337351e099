"""Readable review (issue 13, item 5): --full, --show, and plan diff's add/replace/update/delete."""

from __future__ import annotations

import json

import pytest

from plan import render
from plan.__main__ import main
from plan.replace_rules import FORCE_NEW, forcing, replaces
from tests.plan.synthetic import plan, resource
from tests.reliability import plans

SCRIPT = "#!/bin/bash\nset -euo pipefail\napt-get install -y openvpn\nsystemctl enable --now openvpn@server\n"
ARN = "arn:aws:iam::123456789012:role/" + "r" * 80


def _doc():
    return plan(
        resource(
            "gcp:compute/instance:Instance", "vm", {"metadataStartupScript": SCRIPT, "zone": "europe-west1-b"}
        ),
        resource("aws:iam/rolePolicy:RolePolicy", "p", {"role": ARN}),
        resource("aws:iam/rolePolicy:RolePolicy", "p", {"role": "other"})
        | {"urn": "urn:pulumi:t::x::other::p"},
    )


def test_full_prints_whole_values_and_scripts_as_scripts():
    short = render.text(_doc())
    assert "sha256:" in short and ARN not in short
    full = render.text(_doc(), full=True)
    assert ARN in full
    lines = full.splitlines()
    start = next(i for i, line in enumerate(lines) if "metadataStartupScript = |" in line)
    for offset, script_line in enumerate(SCRIPT.strip().splitlines(), start=1):
        assert lines[start + offset].endswith("    " + script_line)


def test_show_prints_one_resource_in_full():
    out = render.show(_doc(), "vm")
    assert out.startswith("gcp:compute/instance:Instance  vm")
    block = out.split("metadataStartupScript = |\n", 1)[1]
    assert [line.strip() for line in block.splitlines()[:4]] == SCRIPT.strip().splitlines()
    assert render.show(_doc(), "urn:pulumi:t::crossnet::gcp:compute/instance:Instance::vm") == out


def test_show_refuses_an_ambiguous_or_unknown_name():
    with pytest.raises(LookupError, match="2 resources are named 'p'"):
        render.show(_doc(), "p")
    with pytest.raises(LookupError, match=r"no resource named 'v'.*names containing it: vm"):
        render.show(_doc(), "v")


def test_show_from_the_command_line(tmp_path, capsys):
    doc = tmp_path / "plan.json"
    assert main(["dev", "--json", str(doc)]) == 0
    capsys.readouterr()
    vm = next(
        r for r in json.loads(doc.read_text())["resources"] if r["type"] == "gcp:compute/instance:Instance"
    )
    assert main(["dev", "--show", vm["name"]]) == 0
    out = capsys.readouterr().out
    script = vm["inputs"].get("metadataStartupScript") or vm["inputs"]["metadata"]["startup-script"]
    assert all(line.strip() in out for line in script.splitlines() if line.strip())
    assert main(["dev", "--show", "no-such-resource"]) == 2


def test_diff_marks_replace_and_update_and_summarises():
    old = plan(
        resource(
            "aws:ec2/instance:Instance", "broker-1", {"subnetId": "subnet-a", "instanceType": "t3.large"}
        ),
        resource(
            "aws:ec2/instance:Instance", "broker-2", {"subnetId": "subnet-a", "instanceType": "t3.large"}
        ),
        resource("aws:ec2/instance:Instance", "bastion", {"subnetId": "subnet-a"}),
        resource("aws:ec2/instance:Instance", "gone", {}),
    )
    new = plan(
        resource(
            "aws:ec2/instance:Instance", "broker-1", {"subnetId": "subnet-b", "instanceType": "t3.large"}
        ),
        resource(
            "aws:ec2/instance:Instance", "broker-2", {"subnetId": "subnet-a", "instanceType": "m5.large"}
        ),
        resource("aws:ec2/instance:Instance", "bastion", {"subnetId": "subnet-b"})
        | {"ignore_changes": ["subnetId"]},
        resource("aws:ec2/instance:Instance", "broker-3", {}),
        stack="head",
    )
    result = render.diff(old, new)
    actions = {u.rsplit("::", 1)[-1]: a for u, a in result["actions"].items()}
    assert actions == {"broker-1": "replace", "broker-2": "update", "bastion": "ignored"}
    text = render.diff_text(result)
    assert text.splitlines()[0] == (
        "plan diff: 1 to add, 1 to replace, 1 to update, 1 to delete (1 with changes only in ignore_changes)"
    )
    assert "= aws:ec2/instance:Instance  bastion  no change (ignore_changes: subnetId)" in text
    assert "-/+ aws:ec2/instance:Instance  broker-1  REPLACE (forced by subnetId)" in text
    assert "subnetId: subnet-a -> subnet-b  [forces replacement]" in text
    assert "~ aws:ec2/instance:Instance  broker-2  update" in text


@pytest.mark.parametrize(
    ("type_", "path", "expected"),
    [
        ("aws:ec2/instance:Instance", "privateIp", True),
        ("aws:ec2/instance:Instance", "rootBlockDevice.encrypted", True),
        ("aws:ec2/instance:Instance", "rootBlockDevice.volumeSize", False),
        ("aws:ec2/instance:Instance", "userData", False),
        ("gcp:compute/instance:Instance", "networkInterfaces[0].networkIp", True),
        ("gcp:compute/instance:Instance", "metadata.startup-script", False),
        ("gcp:compute/route:Route", "priority", True),
        ("tls:index/locallySignedCert:LocallySignedCert", "validityPeriodHours", True),
        ("aws:lb/targetGroup:TargetGroup", "healthCheck.interval", False),
        ("aws:lb/targetGroup:TargetGroup", "port", True),
        ("aws:ec2/instance:Instance", "(provider)", True),
        ("aws:ec2/instance:Instance", "(dependencies)", False),
    ],
)
def test_replace_rules(type_, path, expected):
    assert replaces(type_, path) is expected


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_type_in_use_has_a_sourced_replace_entry(stack):
    doc = plans.dev_plan() if stack == "dev" else plans.prod_plan()
    local = ("pulumi:providers:", "pulumi-python:dynamic", "time:", "aiven:", "azuread:")
    for type_ in {r["type"] for r in doc["resources"] if r["custom"]}:
        if type_.startswith(local):
            continue
        _, source = forcing(type_)
        assert source, type_
    assert all(source for _, source in FORCE_NEW.values())


def test_kafka_2_to_3_az_diff_names_every_replaced_resource():
    """The issue's review case: each broker whose subnet or address changes is listed as REPLACE."""
    base = plans.load("dev", plans.DEV_FILE)
    kafka = dict(base.values["crossnet:kafka"])
    two = plans.run(plans.with_values(base, crossnet_kafka=kafka | {"az_ids": ["usw2-az1", "usw2-az2"]}))
    three = plans.run(
        plans.with_values(base, crossnet_kafka=kafka | {"az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"]})
    )
    result = render.diff(two, three)
    moved = [
        urn
        for urn, fields in result["changed"].items()
        if "aws:ec2/instance:Instance" in urn and ("subnetId" in fields or "privateIp" in fields)
    ]
    assert moved  # without pinned placement a broker moves: the case under review exists
    for urn in moved:
        assert result["actions"][urn] == "replace", urn
    text = render.diff_text(result)
    replaced = [u for u, a in result["actions"].items() if a == "replace"]
    assert replaced
    assert f"{len(replaced)} to replace" in text.splitlines()[0]
    assert all("REPLACE (forced by" in line for line in text.splitlines() if line.startswith("-/+"))
