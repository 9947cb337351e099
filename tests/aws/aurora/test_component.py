"""AuroraGlobalDb's resource graph on the mock runtime, for 2 and 3 regions."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from components.aws.aurora import AuroraGlobalDb
from components.aws.aurora.args import default_vpc_cidr
from plan.runtime import MockRuntime, Resource

T_CLUSTER = "aws:rds/cluster:Cluster"
T_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
T_GLOBAL = "aws:rds/globalCluster:GlobalCluster"
T_RECORD = "aws:route53/record:Record"
T_PROVIDER = "pulumi:providers:aws"
PEER = {
    "vpc_id": "vpc-0123456789abcdef0",
    "region": "us-east-2",
    "cidr": "10.0.0.0/16",
    "route_table_ids": ["rtb-0123456789abcdef0", "rtb-0fedcba9876543210"],
}
REGIONS = {2: ["us-east-1", "eu-west-1"], 3: ["us-east-1", "eu-west-1", "ap-southeast-2"]}


def args(regions: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "regions": regions,
        "global_cluster_identifier": "kc-global",
        "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
        **extra,
    }


def build(runtime: MockRuntime, regions: list[str], **extra: Any) -> AuroraGlobalDb:
    db = AuroraGlobalDb("kc", args(regions, **extra))  # type: ignore[arg-type]
    runtime.settle()
    return db


def region_of(runtime: MockRuntime, res: Resource) -> str:
    return runtime.by_urn(res.provider_urn).inputs["region"]


@pytest.mark.parametrize("n", [2, 3])
def test_counts_and_regions(runtime: MockRuntime, n: int) -> None:
    regions = REGIONS[n]
    db = build(runtime, regions, instances_per_region=2, peer_vpcs=[PEER])
    counts = Counter(r.type for r in runtime.resources)
    assert counts[T_PROVIDER] == n + 1  # one per Aurora region plus the peer's region
    assert counts[T_GLOBAL] == 1
    assert counts[T_CLUSTER] == n
    assert counts[T_INSTANCE] == 2 * n
    assert counts["aws:ec2/vpc:Vpc"] == n
    assert counts["aws:ec2/subnet:Subnet"] == 3 * n
    assert counts["aws:rds/subnetGroup:SubnetGroup"] == n
    assert counts["aws:ec2/securityGroup:SecurityGroup"] == n
    assert counts["aws:kms/key:Key"] == n
    assert counts[T_RECORD] == 1
    assert counts["aws:lambda/function:Function"] == 0  # default mode: no Lambda
    assert counts["aws:sqs/queue:Queue"] == counts["aws:sqs/queuePolicy:QueuePolicy"] == 0
    assert counts["aws:ec2/vpcPeeringConnection:VpcPeeringConnection"] == n
    assert counts["aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"] == n
    assert counts["aws:ec2/route:Route"] == n * (2 + 1)  # two app route tables + the Aurora side
    assert counts["random:index/randomPassword:RandomPassword"] == 1

    # Every resource but the providers and the password goes through an explicit provider, in its region.
    for res in runtime.resources:
        if res.type.startswith("aws:"):
            assert res.provider_urn, res.name
    for region in regions:
        cluster = runtime.one(T_CLUSTER, f"kc-{region}-cluster")
        assert region_of(runtime, cluster) == region
        assert cluster.inputs["clusterIdentifier"] == f"kc-global-{region}"
        assert cluster.inputs["engine"] == "aurora-postgresql"
        for i in (1, 2):
            instance = runtime.one(T_INSTANCE, f"kc-{region}-instance-{i}")
            assert region_of(runtime, instance) == region
            assert instance.inputs["clusterIdentifier"] == f"kc-global-{region}"
            assert instance.inputs["performanceInsightsEnabled"] is True
            assert instance.inputs["publiclyAccessible"] is False
        vpc = runtime.one("aws:ec2/vpc:Vpc", f"kc-{region}-vpc")
        assert region_of(runtime, vpc) == region
        assert vpc.inputs["cidrBlock"] == default_vpc_cidr(region)
        subnets = [
            r
            for r in runtime.children(runtime.one("crossnet:index:AuroraGlobalDb"))
            if r.type == "aws:ec2/subnet:Subnet" and r.name.startswith(f"kc-{region}-")
        ]
        assert len({s.inputs["availabilityZoneId"] for s in subnets}) == 3
        assert all(s.name == f"kc-{region}-{s.inputs['availabilityZoneId']}" for s in subnets)
    assert region_of(runtime, runtime.one(T_GLOBAL)) == regions[0]
    assert runtime.one(T_GLOBAL).inputs["storageEncrypted"] is True
    assert set(runtime.value(db.regional)) == set(regions)


@pytest.mark.parametrize("n", [2, 3])
def test_primary_has_credentials_secondaries_none(runtime: MockRuntime, n: int) -> None:
    regions = REGIONS[n]
    db = build(runtime, regions)
    global_cluster = runtime.one(T_GLOBAL)
    primary = runtime.one(T_CLUSTER, f"kc-{regions[0]}-cluster")
    assert primary.inputs["masterUsername"] == "keycloak"
    assert primary.inputs["databaseName"] == "keycloak"
    assert "masterPassword" in primary.secret_inputs
    assert primary.inputs["masterPassword"] == runtime.value(db.master_password)
    assert len(primary.inputs["masterPassword"]) == 40
    for region in regions[1:]:
        secondary = runtime.one(T_CLUSTER, f"kc-{region}-cluster")
        for key in ("masterUsername", "masterPassword", "databaseName", "manageMasterUserPassword"):
            assert key not in secondary.inputs, key
    for region in regions:
        cluster = runtime.one(T_CLUSTER, f"kc-{region}-cluster")
        # Failover drift, and the engine version the GlobalCluster upgrades for every member.
        assert set(cluster.ignore_changes) == {
            "globalClusterIdentifier",
            "replicationSourceIdentifier",
            "engineVersion",
        }
        key = runtime.one("aws:kms/key:Key", f"kc-{region}-kms")
        assert cluster.inputs["kmsKeyId"] == key.outputs["arn"]
        assert f":{region}:" in key.outputs["arn"]
        assert cluster.inputs["storageEncrypted"] is True
        assert cluster.inputs["globalClusterIdentifier"] == global_cluster.id
        assert cluster.inputs["deletionProtection"] is True
        assert cluster.inputs["backupRetentionPeriod"] == 7
        assert cluster.inputs["iamDatabaseAuthenticationEnabled"] is True
        assert cluster.inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert runtime.is_secret(db.master_password)
    assert runtime.one("random:index/randomPassword:RandomPassword").secret_outputs >= {"result"}
    assert "master_password" in runtime.one("crossnet:index:AuroraGlobalDb").secret_component_outputs


@pytest.mark.parametrize("n", [2, 3])
def test_secondaries_depend_on_primary_not_on_each_other(runtime: MockRuntime, n: int) -> None:
    regions = REGIONS[n]
    build(runtime, regions)
    primary = runtime.one(T_CLUSTER, f"kc-{regions[0]}-cluster")
    primary_instance = runtime.one(T_INSTANCE, f"kc-{regions[0]}-instance-1")
    assert not any(r.type in (T_CLUSTER, T_INSTANCE) for r in map(runtime.by_urn, primary.dependencies))
    secondary_urns = set()
    for region in regions[1:]:
        secondary_urns |= {
            r.urn
            for r in runtime.resources
            if r.type in (T_CLUSTER, T_INSTANCE) and r.name.startswith(f"kc-{region}-")
        }
    for region in regions[1:]:
        secondary = runtime.one(T_CLUSTER, f"kc-{region}-cluster")
        assert primary.urn in secondary.dependencies
        assert primary_instance.urn in secondary.dependencies
        own = {r.urn for r in runtime.resources if r.name.startswith(f"kc-{region}-")}
        assert not (set(secondary.dependencies) & (secondary_urns - own)), "secondaries must not chain"


def test_switches_turn_features_off(runtime: MockRuntime) -> None:
    build(
        runtime,
        REGIONS[2],
        deletion_protection=False,
        backup_retention_days=1,
        storage_encrypted=False,
        iam_database_authentication=False,
        performance_insights=False,
        log_exports=False,
        skip_final_snapshot=True,
    )
    assert runtime.of_type("aws:kms/key:Key") == []
    assert runtime.one(T_GLOBAL).inputs["deletionProtection"] is False
    for cluster in runtime.of_type(T_CLUSTER):
        assert cluster.inputs["deletionProtection"] is False
        assert cluster.inputs["storageEncrypted"] is False
        assert "kmsKeyId" not in cluster.inputs
        assert cluster.inputs["iamDatabaseAuthenticationEnabled"] is False
        assert cluster.inputs["enabledCloudwatchLogsExports"] == []
        assert cluster.inputs["backupRetentionPeriod"] == 1
        assert cluster.inputs["skipFinalSnapshot"] is True
    assert all(i.inputs["performanceInsightsEnabled"] is False for i in runtime.of_type(T_INSTANCE))


def test_primary_keeps_a_final_snapshot_by_default(runtime: MockRuntime) -> None:
    build(runtime, REGIONS[2])
    primary = runtime.one(T_CLUSTER, "kc-us-east-1-cluster")
    assert primary.inputs["skipFinalSnapshot"] is False
    assert primary.inputs["finalSnapshotIdentifier"].startswith("kc-global-us-east-1-final-")


def test_cname_targets_global_writer_endpoint_by_default(runtime: MockRuntime) -> None:
    db = build(runtime, REGIONS[2])
    record = runtime.one(T_RECORD)
    global_cluster = runtime.one(T_GLOBAL)
    assert record.inputs["records"] == [global_cluster.outputs["endpoint"]]
    assert global_cluster.outputs["endpoint"].endswith(".global.rds.amazonaws.com")
    assert record.inputs["name"] == "kc-global.aurora-global.example.com"
    assert record.inputs["type"] == "CNAME" and record.inputs["ttl"] == 30
    assert record.inputs["zoneId"] == "Z0123456789ABC"
    assert record.ignore_changes == []
    assert runtime.value(db.dns_name) == "kc-global.aurora-global.example.com"
    assert runtime.value(db.global_writer_endpoint) == global_cluster.outputs["endpoint"]


@pytest.mark.parametrize("n", [2, 3])
def test_failover_lambda_mode(runtime: MockRuntime, n: int) -> None:
    regions = REGIONS[n]
    build(
        runtime,
        regions,
        endpoint_mode="failover-lambda",
        dns={
            "zone_id": "Z0123456789ABC",
            "zone_name": "example.com",
            "record_name": "db.example.com",
            "ttl": 15,
        },
    )
    record = runtime.one(T_RECORD)
    primary = runtime.one(T_CLUSTER, f"kc-{regions[0]}-cluster")
    assert record.inputs["records"] == [primary.outputs["endpoint"]]
    assert record.ignore_changes == ["records"]
    assert record.inputs["ttl"] == 15
    global_arn = runtime.one(T_GLOBAL).outputs["arn"]
    cluster_arns = sorted(c.outputs["arn"] for c in runtime.of_type(T_CLUSTER))
    assert len(cluster_arns) == n
    assert len(runtime.of_type("aws:sqs/queue:Queue")) == n
    assert len(runtime.of_type("aws:sqs/queuePolicy:QueuePolicy")) == n

    for region in regions:
        function = runtime.one("aws:lambda/function:Function", f"kc-{region}-failover")
        assert region_of(runtime, function) == region
        assert function.inputs["handler"] == "handler.handler"
        assert function.inputs["environment"]["variables"] == {
            "ZONE_ID": "Z0123456789ABC",
            "RECORD_NAME": "db.example.com",
            "GLOBAL_CLUSTER_ID": "kc-global",
            "TTL": "15",
            "WAIT_SECONDS": "120",
        }
        rule = runtime.one("aws:cloudwatch/eventRule:EventRule", f"kc-{region}-failover-events")
        assert region_of(runtime, rule) == region
        assert json.loads(rule.inputs["eventPattern"]) == {
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Cluster Event"],
            "detail": {"EventID": ["RDS-EVENT-0185", "RDS-EVENT-0238"]},
        }
        target = runtime.one("aws:cloudwatch/eventTarget:EventTarget", f"kc-{region}-failover-target")
        assert target.inputs["arn"] == function.outputs["arn"]
        assert target.inputs["rule"] == rule.outputs["name"]

        # X-Ray, and one encrypted dead-letter queue per region for both the function's asynchronous
        # invocations and the events EventBridge cannot deliver. No reserved concurrency unless asked:
        # an account with a concurrency quota of 10 cannot reserve any.
        assert function.inputs["tracingConfig"] == {"mode": "Active"}
        assert "reservedConcurrentExecutions" not in function.inputs
        dlq = runtime.one("aws:sqs/queue:Queue", f"kc-{region}-failover-dlq")
        assert region_of(runtime, dlq) == region
        assert dlq.inputs["sqsManagedSseEnabled"] is True
        assert dlq.inputs["messageRetentionSeconds"] == 14 * 24 * 3600
        assert dlq.outputs["arn"] == f"arn:aws:sqs:{region}:123456789012:{dlq.outputs['name']}"
        assert dlq.id == dlq.outputs["url"]
        assert function.inputs["deadLetterConfig"] == {"targetArn": dlq.outputs["arn"]}
        assert target.inputs["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
        queue_policy = runtime.one("aws:sqs/queuePolicy:QueuePolicy", f"kc-{region}-failover-dlq-policy")
        assert region_of(runtime, queue_policy) == region
        assert queue_policy.inputs["queueUrl"] == dlq.outputs["url"]
        assert queue_policy.urn in target.dependencies  # EventBridge may send before its first event
        assert json.loads(queue_policy.inputs["policy"])["Statement"] == [
            {
                "Sid": "EventBridgeDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": dlq.outputs["arn"],
                "Condition": {
                    "ArnEquals": {
                        "aws:SourceArn": [
                            rule.outputs["arn"],
                            runtime.one(
                                "aws:cloudwatch/eventRule:EventRule", f"kc-{region}-failover-reconcile"
                            ).outputs["arn"],
                        ]
                    }
                },
            }
        ]
        permission = runtime.one("aws:lambda/permission:Permission", f"kc-{region}-failover-invoke")
        assert permission.inputs["principal"] == "events.amazonaws.com"
        assert permission.inputs["sourceArn"] == rule.outputs["arn"]

        role = runtime.one("aws:iam/role:Role", f"kc-{region}-failover-role")
        assert function.inputs["role"] == role.outputs["arn"]
        trust = json.loads(role.inputs["assumeRolePolicy"])
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
        policy = json.loads(
            runtime.one("aws:iam/rolePolicy:RolePolicy", f"kc-{region}-failover-policy").inputs["policy"]
        )
        by_sid = {s["Sid"]: s for s in policy["Statement"]}
        assert all(s["Effect"] == "Allow" for s in policy["Statement"])
        # Only X-Ray's two write calls, which have no resource-level permissions, are on "*".
        assert [s["Sid"] for s in policy["Statement"] if "*" in s["Resource"]] == ["Tracing"]
        assert by_sid["Tracing"] == {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Resource": ["*"],
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
        }
        actions = sorted(a for s in policy["Statement"] for a in s["Action"])
        assert actions == [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "rds:DescribeDBClusters",
            "rds:DescribeGlobalClusters",
            "route53:ChangeResourceRecordSets",
            "route53:ListResourceRecordSets",
            "sqs:SendMessage",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]
        assert by_sid["DeadLetters"]["Resource"] == [dlq.outputs["arn"]]
        zone_arn = "arn:aws:route53:::hostedzone/Z0123456789ABC"
        assert by_sid["UpsertTheCname"]["Resource"] == [zone_arn]
        assert by_sid["UpsertTheCname"]["Condition"]["ForAllValues:StringEquals"] == {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["db.example.com"],
            "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
            "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
        }
        assert by_sid["ReadTheCname"]["Resource"] == [zone_arn]
        assert by_sid["FindTheWriter"]["Resource"] == [global_arn]
        assert by_sid["ReadTheWriterEndpoint"]["Resource"] == cluster_arns
        log_group = runtime.one("aws:cloudwatch/logGroup:LogGroup", f"kc-{region}-failover-logs")
        assert by_sid["Logs"]["Resource"] == [log_group.outputs["arn"] + ":*"]
        assert function.inputs["loggingConfig"]["logGroup"] == log_group.outputs["name"]


def test_lambda_code_is_the_handler_file(runtime: MockRuntime) -> None:
    import pulumi

    from components.aws.aurora import component

    build(runtime, REGIONS[2], endpoint_mode="failover-lambda")
    code = runtime.one("aws:lambda/function:Function", "kc-us-east-1-failover").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert set(code.assets) == {"handler.py"}
    assert code.assets["handler.py"].path == str(component.HANDLER_FILE)
    assert "def handler(event" in component.HANDLER_FILE.read_text()


def test_security_groups_allow_5432_from_peers_only(runtime: MockRuntime) -> None:
    second = {
        **PEER,
        "vpc_id": "vpc-0aaaaaaaaaaaaaaaa",
        "region": "eu-west-1",
        "cidr": "172.16.0.0/20",
        "route_table_ids": ["rtb-0aaaaaaaaaaaaaaaa"],
    }
    build(runtime, REGIONS[2], peer_vpcs=[PEER, second])
    for sg in runtime.of_type("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in sg.inputs or sg.inputs["ingress"] == []
    rules = runtime.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(rules) == 4
    for rule in rules:
        ports = (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"])
        assert ports == (5432, 5432, "tcp")
        assert rule.inputs["cidrIpv4"] in {"10.0.0.0/16", "172.16.0.0/20"}
        region = region_of(runtime, rule)
        sg = runtime.one("aws:ec2/securityGroup:SecurityGroup", f"kc-{region}-db")
        assert rule.inputs["securityGroupId"] == sg.id
    assert {r.inputs["cidrIpv4"] for r in rules} == {"10.0.0.0/16", "172.16.0.0/20"}


def test_peering_requested_in_app_region_accepted_in_aurora_region(runtime: MockRuntime) -> None:
    db = build(runtime, REGIONS[2], peer_vpcs=[PEER])
    ids = runtime.value(db.peering_connection_ids)
    assert set(ids) == {f"{PEER['vpc_id']}/us-east-1", f"{PEER['vpc_id']}/eu-west-1"}
    for region in REGIONS[2]:
        key = f"kc-{region}-peer-{PEER['vpc_id']}"
        request = runtime.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", key)
        accept = runtime.one(
            "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", f"{key}-accept"
        )
        vpc = runtime.one("aws:ec2/vpc:Vpc", f"kc-{region}-vpc")
        assert region_of(runtime, request) == "us-east-2"
        assert request.inputs["vpcId"] == PEER["vpc_id"]
        assert request.inputs["peerVpcId"] == vpc.id
        assert request.inputs["peerRegion"] == region
        assert request.inputs["autoAccept"] is False
        assert region_of(runtime, accept) == region
        assert accept.inputs["vpcPeeringConnectionId"] == request.id
        assert accept.inputs["autoAccept"] is True
        assert ids[f"{PEER['vpc_id']}/{region}"] == request.id
        for table in PEER["route_table_ids"]:
            route = runtime.one("aws:ec2/route:Route", f"{key}-{table}")
            assert region_of(runtime, route) == "us-east-2"
            assert route.inputs == {
                "routeTableId": table,
                "destinationCidrBlock": default_vpc_cidr(region),
                "vpcPeeringConnectionId": request.id,
            }
        back = runtime.one("aws:ec2/route:Route", f"{key}-route")
        assert region_of(runtime, back) == region
        table = runtime.one("aws:ec2/routeTable:RouteTable", f"kc-{region}-private")
        assert back.inputs["routeTableId"] == table.id
        assert back.inputs["destinationCidrBlock"] == PEER["cidr"]
        # Teardown: the peering depends on the region's cluster and instances, so destroy removes it first.
        cluster = runtime.one(T_CLUSTER, f"kc-{region}-cluster")
        instance = runtime.one(T_INSTANCE, f"kc-{region}-instance-1")
        for res in (request, accept):
            assert {cluster.urn, instance.urn} <= set(res.dependencies)
        assert accept.urn in back.dependencies


@pytest.mark.parametrize("mode", ["global-writer-endpoint", "failover-lambda"])
def test_adding_a_region_keeps_every_urn_and_input(mode: str) -> None:
    # Two separate program runs, one after the other (never nested: Pulumi's settings are global).
    two, three = _snapshot(REGIONS[2], mode), _snapshot(REGIONS[3], mode)
    missing = set(two) - set(three)
    assert not missing, f"URNs gone after adding a region: {sorted(missing)}"
    changed = {urn for urn in two if two[urn] != three[urn]}
    # The only in-place changes allowed: each handler's policy lists every member cluster's ARN, and
    # the teardown guard depends on the new region's databases too (state only: no cloud call).
    assert all(urn.endswith(("-failover-policy", "-teardown-guard")) for urn in changed), sorted(changed)
    guard = [urn for urn in changed if urn.endswith("-teardown-guard")]
    assert len(guard) == 1 and two[guard[0]][0] == three[guard[0]][0]  # same inputs
    assert len(changed) == (2 if mode == "failover-lambda" else 0) + 1
    added = set(three) - set(two)
    assert added and all("ap-southeast-2" in urn.rsplit("::", 1)[1] for urn in added)


def _snapshot(regions: list[str], mode: str) -> dict[str, Any]:
    with MockRuntime(config={"aws:region": "us-east-1"}) as rt:
        AuroraGlobalDb(
            "kc",
            args(
                regions,
                peer_vpcs=[PEER],
                instances_per_region=2,  # type: ignore[arg-type]
                endpoint_mode=mode,
            ),
        )
        rt.settle()
        return {
            r.urn: (_plain(r.inputs), r.provider_urn, sorted(r.dependencies))
            for r in rt.resources
            if r.custom
        }


def _plain(value: Any) -> Any:
    """Inputs with assets replaced by their paths (Asset objects compare by identity)."""
    import pulumi

    if isinstance(value, pulumi.AssetArchive):
        return {k: _plain(v) for k, v in value.assets.items()}
    if isinstance(value, pulumi.FileAsset):
        return ("file", value.path)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_preview_registers_the_same_graph(runtime_factory: Any) -> None:
    rt = runtime_factory(preview=True)
    AuroraGlobalDb("kc", args(REGIONS[3], peer_vpcs=[PEER]))  # type: ignore[arg-type]
    rt.settle()
    counts = Counter(r.type for r in rt.resources)
    assert (counts[T_CLUSTER], counts["aws:ec2/subnet:Subnet"], counts[T_RECORD]) == (3, 9, 1)


def test_the_global_cluster_owns_the_engine_version(runtime: MockRuntime) -> None:
    """Upgrades go through the GlobalCluster: members ignore engineVersion, instances never pin it."""
    build(runtime, REGIONS[2], engine_version="16.8", instances_per_region=2)
    assert runtime.one(T_GLOBAL).inputs["engineVersion"] == "16.8"
    for cluster in runtime.of_type(T_CLUSTER):
        assert cluster.inputs["engineVersion"] == "16.8"  # the version a new member is created with
        assert "engineVersion" in cluster.ignore_changes
    instances = runtime.of_type(T_INSTANCE)
    assert len(instances) == 4
    for instance in instances:
        assert "engineVersion" not in instance.inputs, instance.name
        assert instance.inputs["autoMinorVersionUpgrade"] is False  # not applied to global members


def test_failover_reserved_concurrency_is_set_when_asked(runtime: MockRuntime) -> None:
    build(runtime, REGIONS[3], endpoint_mode="failover-lambda", failover_reserved_concurrency=2)
    functions = runtime.of_type("aws:lambda/function:Function")
    assert len(functions) == 3
    assert [f.inputs["reservedConcurrentExecutions"] for f in functions] == [2, 2, 2]
