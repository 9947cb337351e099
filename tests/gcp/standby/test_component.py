"""PostgresStandby on the mock runtime: the graph, its settings, secrets, validation."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components import OpenVpnGateway, PostgresStandby, ValidationError
from components.gcp.standby.args import validate
from components.validation import PLAIN, Problems
from plan.runtime import MockRuntime
from tests.gcp.standby.base import onprem_ca_pem, primary_ssh, standby_args
from tests.gcp.vpn.base import gateway_args

T_INSTANCE = "gcp:compute/instance:Instance"
T_FIREWALL = "gcp:compute/firewall:Firewall"
T_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
T_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
T_CERT = "tls:index/locallySignedCert:LocallySignedCert"


def test_standby_graph_and_outputs(runtime: MockRuntime) -> None:
    gw = OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    pg = PostgresStandby(
        "pg",
        standby_args(  # type: ignore[arg-type]
            client_ca_certificate=runtime.value(gw.ca_certificate),
            client_ca_private_key=gw.ca_private_key,
            network_ip="10.20.0.10",
            primary_ssh=primary_ssh(),
        ),
    )
    runtime.settle()
    fw = runtime.one(T_FIREWALL, "pg-pg-in")
    assert fw.inputs["allows"] == [{"protocol": "tcp", "ports": ["5432"]}]
    assert fw.inputs["sourceRanges"] == ["10.8.0.0/24", "192.168.50.0/24"]
    vm = runtime.one(T_INSTANCE, "pg-vm")
    assert "PRIVATE KEY" not in json.dumps(vm.inputs)
    assert vm.inputs["metadata"]["block-project-ssh-keys"] == "TRUE"
    assert "accessConfigs" not in vm.inputs["networkInterfaces"][0]
    assert runtime.value(pg.standby_ip) == "10.20.0.10"
    settings = runtime.value(pg.primary_settings)
    assert "hostssl replication replicator 10.20.0.10/32 cert" in settings
    for key in ("wal_level", "max_wal_senders", "max_slot_wal_keep_size"):
        assert key in settings
    assert runtime.is_secret(pg.primary_conninfo) and runtime.is_secret(pg.replication_client_private_key)
    conninfo = runtime.value(pg.primary_conninfo)
    assert "sslmode=verify-full" in conninfo and "hostaddr=192.168.50.10" in conninfo
    pg_sa = runtime.one("gcp:serviceaccount/account:Account", "pg-sa").outputs["email"]
    member = runtime.one(T_IAM, "pg-replication-key-reader")
    assert member.inputs["member"] == f"serviceAccount:{pg_sa}"
    cert = runtime.one(T_CERT, "pg-replication-cert")
    assert cert.inputs["caCertPem"] == runtime.value(gw.ca_certificate)
    assert "client_auth" in cert.inputs["allowedUses"]
    assert cert.inputs["earlyRenewalHours"] == 90 * 24  # renewed before expiry, no reboot needed
    cmd = runtime.one("command:remote:Command", "pg-primary-settings")
    assert "hostssl replication replicator 10.20.0.10/32 cert" in cmd.inputs["stdin"]


def test_vm_waits_for_secret_version_and_reader_binding(runtime: MockRuntime) -> None:
    PostgresStandby("pg", standby_args())  # type: ignore[arg-type]
    runtime.settle()
    deps = set(runtime.one(T_INSTANCE, "pg-vm").dependencies)
    assert runtime.one(T_VERSION, "pg-replication-key-v").urn in deps
    assert runtime.one(T_IAM, "pg-replication-key-reader").urn in deps


def test_ca_certificates_accept_outputs(runtime: MockRuntime) -> None:
    """Composed with a gateway (or any resource), the CA fields arrive as Outputs and flow through."""
    gw = OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    pem = onprem_ca_pem()
    PostgresStandby(
        "pg",
        standby_args(  # type: ignore[arg-type]
            primary_ca_certificate=pulumi.Output.from_input(pem),
            client_ca_certificate=gw.ca_certificate,
            client_ca_private_key=gw.ca_private_key,
            primary_ssh=primary_ssh(private_key=pulumi.Output.secret("KEY")),
        ),
    )
    runtime.settle()
    script = runtime.one(T_INSTANCE, "pg-vm").inputs["metadata"]["startup-script"]
    assert pem.strip() in script
    ca = runtime.value(gw.ca_certificate)
    assert runtime.one(T_CERT, "pg-replication-cert").inputs["caCertPem"] == ca
    assert ca.strip() in runtime.one("command:remote:Command", "pg-primary-settings").inputs["stdin"]


PLAIN_FIELDS = {
    "project": "crossnet-test",
    "zone": "europe-west1-b",
    "subnetwork": "sub",
    "network": "vpc",
    "primary_host": "db.onprem.example",
    "primary_address": "192.168.50.10",
    "allowed_cidrs": ["10.8.0.0/24"],
    "primary_port": 5432,
    "replication_user": "replicator",
    "slot_name": "crossnet_pg",
    "postgres_version": 16,
    "machine_type": "e2-medium",
    "disk_gb": 50,
    "network_ip": "10.20.0.10",
    "primary_ssh": primary_ssh(),
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[(f, pulumi.Output.from_input(v)) for f, v in PLAIN_FIELDS.items()],
        ("allowed_cidrs", [pulumi.Output.from_input("10.8.0.0/24")]),
        ("primary_ssh.host", None),
        ("primary_ssh.user", None),
        ("primary_ssh.port", None),
        ("primary_ssh.host_key", None),
    ],
)
def test_plain_field_refuses_an_output(runtime: MockRuntime, field: str, value: Any) -> None:
    args = standby_args(**{k: v for k, v in PLAIN_FIELDS.items() if k not in ("network_ip",)})
    if field.startswith("primary_ssh."):
        key = field.split(".", 1)[1]
        args["primary_ssh"] = {**PLAIN_FIELDS["primary_ssh"], key: pulumi.Output.from_input("x")}  # type: ignore[dict-item]
    else:
        args[field] = value
    with pytest.raises(ValidationError) as err:
        PostgresStandby("pg", args)  # type: ignore[arg-type]
    assert field in err.value.fields
    problem = next(p for p in err.value.problems if p.field == field)
    assert problem.allowed == PLAIN, problem
    assert not runtime.resources


def test_validation_lists_every_bad_field() -> None:
    with MockRuntime() as rt, pytest.raises(ValidationError) as err:
        PostgresStandby(
            "pg",
            standby_args(  # type: ignore[arg-type]
                client_ca_certificate="not a pem",
                client_ca_private_key="k",
                primary_address="db",
                allowed_cidrs=["0.0.0.0/0"],
                slot_name="Bad-Slot",
                postgres_version=9,
            ),
        )
    assert {
        "client_ca_certificate",
        "primary_address",
        "allowed_cidrs[0]",
        "slot_name",
        "postgres_version",
    } <= set(err.value.fields)
    assert not rt.resources


def test_validate_prefixes_fields_and_returns_none_on_problems() -> None:
    problems = Problems("stack config")
    assert validate(standby_args(primary_port=0), problems, prefix="crossnet:vpn.standby.") is None
    assert problems.items and problems.items[0].field == "crossnet:vpn.standby.primary_port"
    problems = Problems("stack config")
    settings = validate(standby_args(), problems)
    assert not problems and settings is not None and settings.slot("geo-standby") == "crossnet_geo_standby"


def test_client_ca_fields_come_together() -> None:
    problems = Problems("x")
    assert validate(standby_args(client_ca_certificate=onprem_ca_pem()), problems) is None
    assert problems.items[0].field == "client_ca_private_key"


@pytest.mark.parametrize(
    "pem",
    [
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",  # the BEGIN line alone
        "-----BEGIN CERTIFICATE-----\nREPLACE-WITH-THE-ON-PREM-CA-PEM\n-----END CERTIFICATE-----\n",
    ],
)
def test_primary_ca_that_does_not_parse_is_refused(pem: str) -> None:
    problems = Problems("x")
    assert validate(standby_args(primary_ca_certificate=pem), problems) is None
    assert [p.field for p in problems.items] == ["primary_ca_certificate"]


def test_network_is_required() -> None:
    """Alone in a custom VPC, a default of "default" would put the firewall rule in the wrong network."""
    args = standby_args()
    del args["network"]
    problems = Problems("x")
    assert validate(args, problems) is None
    assert [p.field for p in problems.items] == ["network"]


def test_data_lives_on_a_protected_snapshotted_disk_of_its_own(runtime: MockRuntime) -> None:
    pg = PostgresStandby("pg", standby_args(data_disk_gb=200, snapshot_retention_days=30))  # type: ignore[arg-type]
    runtime.settle()
    disk = runtime.one("gcp:compute/disk:Disk", "pg-data")
    assert disk.inputs["size"] == 200 and disk.protect
    policy = runtime.one("gcp:compute/resourcePolicy:ResourcePolicy", "pg-snapshots")
    retention = policy.inputs["snapshotSchedulePolicy"]["retentionPolicy"]
    assert retention == {"maxRetentionDays": 30, "onSourceDiskDelete": "KEEP_AUTO_SNAPSHOTS"}
    link = runtime.one("gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment")
    assert link.inputs["disk"] == disk.outputs["name"] and link.inputs["name"] == policy.outputs["name"]
    attachment = runtime.one("gcp:compute/attachedDisk:AttachedDisk", "pg-data-attachment")
    vm = runtime.one(T_INSTANCE, "pg-vm")
    assert attachment.inputs["instance"] == vm.id and attachment.inputs["disk"] == disk.id
    assert attachment.inputs["deviceName"] == "crossnet-data" and attachment.delete_before_replace
    assert "attachedDisks" in vm.ignore_changes
    assert runtime.value(pg.data_disk) == disk.outputs["selfLink"]
    assert "/var/lib/crossnet-pg" in vm.inputs["metadata"]["startup-script"]


def test_egress_is_said_and_cloud_nat_created_when_asked(runtime_factory: Any) -> None:
    rt = runtime_factory()
    pg = PostgresStandby("pg", standby_args(egress="cloud-nat"))  # type: ignore[arg-type]
    other = PostgresStandby("pg2", standby_args(slot_name="other"))  # type: ignore[arg-type]
    rt.settle()
    router = rt.one("gcp:compute/router:Router", "pg-router")
    assert router.inputs["network"] == "vpc" and router.inputs["region"] == "europe-west1"
    nat = rt.one("gcp:compute/routerNat:RouterNat", "pg-nat")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat.inputs["subnetworks"] == [{"name": "sub", "sourceIpRangesToNats": ["ALL_IP_RANGES"]}]
    assert rt.value(pg.egress).startswith("cloud-nat")
    assert rt.value(other.egress).startswith("existing") and "Private Google Access" in rt.value(other.egress)
    assert len(rt.of_type("gcp:compute/router:Router")) == 1


def test_removing_the_standby_removes_its_line_on_the_primary(runtime: MockRuntime) -> None:
    PostgresStandby(
        "pg",
        standby_args(primary_ssh=primary_ssh(user="admin")),  # type: ignore[arg-type]
    )
    runtime.settle()
    cmd = runtime.one("command:remote:Command", "pg-primary-settings")
    assert cmd.inputs["delete"].startswith("sudo -n bash -c ")
    assert "# crossnet-standby crossnet_pg" in cmd.inputs["delete"]
    assert cmd.inputs["connection"]["hostKey"].startswith("ssh-ed25519 ")
    assert "max_slot_wal_keep_size" not in cmd.inputs["stdin"]  # not asked: the primary's value stays


def test_replication_is_watched_by_an_alert_policy(runtime: MockRuntime) -> None:
    PostgresStandby(
        "pg",
        standby_args(
            alert_replay_lag_seconds=120, notification_channels=["projects/p/notificationChannels/1"]
        ),  # type: ignore[arg-type]
    )
    runtime.settle()
    email = runtime.one("gcp:serviceaccount/account:Account", "pg-sa").outputs["email"]
    writer = runtime.one("gcp:projects/iAMMember:IAMMember", "pg-metric-writer")
    assert writer.inputs["role"] == "roles/monitoring.metricWriter"
    assert writer.inputs["member"] == f"serviceAccount:{email}"
    policy = runtime.one("gcp:monitoring/alertPolicy:AlertPolicy", "pg-replication-alert")
    assert policy.inputs["combiner"] == "OR"
    assert policy.inputs["notificationChannels"] == ["projects/p/notificationChannels/1"]
    conditions = policy.inputs["conditions"]
    lag = next(c for c in conditions if "replay lag" in c["displayName"])["conditionThreshold"]
    assert lag["thresholdValue"] == 120 and 'replay_lag_seconds"' in lag["filter"]
    assert 'metric.label.standby = "pg"' in lag["filter"]
    assert any("conditionAbsent" in c for c in conditions)
    script = runtime.one(T_INSTANCE, "pg-vm").inputs["metadata"]["startup-script"]
    assert "systemctl enable --now crossnet-standby-metrics.timer" in script
