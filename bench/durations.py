"""Typical creation times per resource type, each with where the figure comes from.

``kind`` says how much to trust a figure:

- ``published``: a number the vendor documents (or the provider's documented default
  timeout, which only bounds the time from above and is then noted as such);
- ``estimate``: a typical value from experience with the API (what the provider waits
  for is named); treat it as a round number, not a measurement;
- ``local``: computed by the engine/provider on the machine running ``pulumi up``
  (keys, passwords, providers), effectively zero;
- ``input``: read from the resource's own inputs (a sleep's duration).

The figures only need to be right relative to each other for the critical path to be
meaningful: the long poles (Aurora clusters and instances, NLB, NAT gateway, Aiven
VPC) dominate, and their order of magnitude is well known. The provider default
timeouts quoted are those of terraform-provider-aws, which pulumi-aws bridges (the
"Timeouts" section of each resource's documentation); they were written down from
those docs without network access to re-check them here, and only bound the time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Duration:
    seconds: float
    kind: str
    source: str


MIN = 60.0

TABLE: dict[str, Duration] = {
    # --- AWS: RDS / Aurora (the long poles)
    "aws:rds/globalCluster:GlobalCluster": Duration(
        60,
        "estimate",
        "CreateGlobalCluster is a metadata object, ~1 min until 'available'; "
        "provider default create timeout 30m",
    ),
    "aws:rds/cluster:Cluster": Duration(
        8 * MIN,
        "estimate",
        "Aurora cluster until 'available' (no instances): typically 5-10 min; a "
        "secondary joined to a global cluster is at the upper end; provider default create timeout 120m",
    ),
    "aws:rds/clusterInstance:ClusterInstance": Duration(
        10 * MIN,
        "estimate",
        "Aurora instance until 'available': typically 8-15 min (AWS console shows "
        "'creating' for about that long); provider default create timeout 90m",
    ),
    "aws:rds/subnetGroup:SubnetGroup": Duration(3, "estimate", "synchronous RDS API call"),
    # --- AWS: networking
    "aws:ec2/vpc:Vpc": Duration(5, "estimate", "CreateVpc is near-instant; provider waits for 'available'"),
    "aws:ec2/subnet:Subnet": Duration(5, "estimate", "CreateSubnet, provider waits for 'available'"),
    "aws:ec2/internetGateway:InternetGateway": Duration(5, "estimate", "create + attach, seconds"),
    "aws:ec2/eip:Eip": Duration(3, "estimate", "AllocateAddress, synchronous"),
    "aws:ec2/natGateway:NatGateway": Duration(
        2 * MIN,
        "estimate",
        "provider waits for 'available': typically 1-3 min; provider default create timeout 10m",
    ),
    "aws:ec2/routeTable:RouteTable": Duration(3, "estimate", "synchronous EC2 API call"),
    "aws:ec2/route:Route": Duration(3, "estimate", "synchronous EC2 API call (provider polls until visible)"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": Duration(2, "estimate", "synchronous EC2 call"),
    "aws:ec2/securityGroup:SecurityGroup": Duration(5, "estimate", "create + revoke default egress, seconds"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": Duration(2, "estimate", "synchronous"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": Duration(2, "estimate", "synchronous"),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": Duration(
        10, "estimate", "provider waits for 'pending-acceptance'; provider default create timeout 1m"
    ),
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": Duration(
        10, "estimate", "accept, provider waits for 'active'"
    ),
    "aws:ec2/vpcEndpointService:VpcEndpointService": Duration(
        30, "estimate", "provider waits for 'Available'; provider default create timeout 10m"
    ),
    "aws:ec2/instance:Instance": Duration(
        45,
        "estimate",
        "RunInstances until 'running' (provider does not wait for status checks or "
        "user data); provider default create timeout 10m",
    ),
    "aws:ebs/volume:Volume": Duration(10, "estimate", "CreateVolume until 'available' (gp3, empty)"),
    "aws:ec2/volumeAttachment:VolumeAttachment": Duration(10, "estimate", "AttachVolume until 'attached'"),
    # --- AWS: load balancing
    "aws:lb/loadBalancer:LoadBalancer": Duration(
        3 * MIN, "estimate", "NLB until 'active': typically 2-4 min; provider default create timeout 10m"
    ),
    "aws:lb/targetGroup:TargetGroup": Duration(3, "estimate", "synchronous ELB API call"),
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": Duration(3, "estimate", "RegisterTargets"),
    "aws:lb/listener:Listener": Duration(3, "estimate", "CreateListener, synchronous"),
    # --- AWS: KMS, IAM, DNS, Lambda, EventBridge, logs, SQS
    "aws:kms/key:Key": Duration(10, "estimate", "CreateKey + policy propagation wait in the provider"),
    "aws:iam/role:Role": Duration(5, "estimate", "CreateRole; IAM is eventually consistent for seconds"),
    "aws:iam/rolePolicy:RolePolicy": Duration(3, "estimate", "PutRolePolicy, synchronous"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Duration(3, "estimate", "synchronous"),
    "aws:iam/instanceProfile:InstanceProfile": Duration(
        10, "estimate", "CreateInstanceProfile + AddRoleToInstanceProfile; the provider waits for IAM"
    ),
    "aws:route53/record:Record": Duration(
        60,
        "published",
        "provider waits for the change to be INSYNC; Route 53 documents that changes "
        "generally propagate to all its name servers within 60 seconds",
    ),
    "aws:lambda/function:Function": Duration(
        30,
        "estimate",
        "CreateFunction, provider waits for State=Active (retries while the new role "
        "propagates); provider default create timeout 10m",
    ),
    "aws:lambda/invocation:Invocation": Duration(
        15,
        "estimate",
        "one synchronous Invoke (RequestResponse): for the role bootstrap, a VPC function's cold start, "
        "a TLS and SCRAM login and one transaction; bounded by the function's 120 s timeout",
    ),
    "aws:lambda/permission:Permission": Duration(2, "estimate", "AddPermission, synchronous"),
    "aws:cloudwatch/eventRule:EventRule": Duration(3, "estimate", "PutRule, synchronous"),
    "aws:cloudwatch/eventTarget:EventTarget": Duration(2, "estimate", "PutTargets, synchronous"),
    "aws:cloudwatch/logGroup:LogGroup": Duration(2, "estimate", "CreateLogGroup, synchronous"),
    "aws:sqs/queue:Queue": Duration(
        20,
        "estimate",
        "CreateQueue, then the provider re-reads until the attributes match (SQS "
        "documents up to 60 s for attribute changes to propagate)",
    ),
    "aws:sqs/queuePolicy:QueuePolicy": Duration(
        10, "estimate", "SetQueueAttributes(Policy), then the provider waits for the policy to read back"
    ),
    # --- Azure and Entra ID
    "azure-native:authorization:RoleDefinition": Duration(10, "estimate", "ARM PUT, synchronous"),
    "azure-native:authorization:RoleAssignment": Duration(10, "estimate", "ARM PUT, synchronous"),
    "azure-native:network:VirtualNetworkPeering": Duration(
        30, "estimate", "ARM long-running operation, typically under a minute"
    ),
    "azuread:index/application:Application": Duration(5, "estimate", "Microsoft Graph POST"),
    "azuread:index/applicationPassword:ApplicationPassword": Duration(5, "estimate", "Microsoft Graph POST"),
    "azuread:index/servicePrincipal:ServicePrincipal": Duration(5, "estimate", "Microsoft Graph POST"),
    # --- Aiven
    "aiven:index/projectVpc:ProjectVpc": Duration(
        5 * MIN,
        "estimate",
        "provider waits for the project VPC to be ACTIVE; Aiven notes VPC creation takes several minutes",
    ),
    "aiven:index/azureVpcPeeringConnection:AzureVpcPeeringConnection": Duration(
        2 * MIN, "estimate", "provider waits for PENDING_PEER (Aiven creates its side of the peering)"
    ),
    "pulumi-python:dynamic/crossnet-azure:PeeringActive": Duration(
        60,
        "estimate",
        "crossnet's waiter until Aiven reports ACTIVE once the Azure side exists; bounded "
        "by active_timeout_seconds",
    ),
    "pulumi-python:dynamic/crossnet-azure:KeptRemoteIds": Duration(0, "local", "no cloud call"),
    "pulumi-python:dynamic/crossnet-azure:PermissionsEffective": Duration(
        60,
        "estimate",
        "crossnet's wait until the peering app's role assignments are effective on both VNets "
        "(Azure: usually minutes, up to 30); bounded by permission_timeout_seconds",
    ),
    "time:index/rotating:Rotating": Duration(0, "local", "computes a timestamp, no cloud call"),
    "pulumi-python:dynamic/crossnet-aws:TeardownGuard": Duration(0, "local", "no cloud call on create"),
    # --- GCP
    "gcp:compute/address:Address": Duration(5, "estimate", "regional operation, seconds"),
    "gcp:compute/firewall:Firewall": Duration(10, "estimate", "global operation, ~10 s"),
    "gcp:compute/route:Route": Duration(10, "estimate", "global operation, ~10 s"),
    "gcp:compute/instance:Instance": Duration(
        40, "estimate", "insert until RUNNING (the startup script, e.g. pg_basebackup, runs after)"
    ),
    "gcp:serviceaccount/account:Account": Duration(5, "estimate", "IAM API, seconds"),
    "gcp:secretmanager/secret:Secret": Duration(2, "estimate", "Secret Manager API, synchronous"),
    "gcp:secretmanager/secretVersion:SecretVersion": Duration(2, "estimate", "synchronous"),
    "gcp:secretmanager/secretIamMember:SecretIamMember": Duration(
        5, "estimate", "read-modify-write of the secret's IAM policy"
    ),
    # PostgresStandby's data disk, its snapshot schedule, egress and monitoring
    "gcp:compute/disk:Disk": Duration(10, "estimate", "zonal operation, blank disk"),
    "gcp:compute/attachedDisk:AttachedDisk": Duration(10, "estimate", "zonal attachDisk operation"),
    "gcp:compute/resourcePolicy:ResourcePolicy": Duration(5, "estimate", "regional operation"),
    "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": Duration(
        5, "estimate", "zonal addResourcePolicies operation"
    ),
    "gcp:compute/router:Router": Duration(10, "estimate", "regional operation"),
    "gcp:compute/routerNat:RouterNat": Duration(20, "estimate", "router patch operation"),
    "gcp:monitoring/alertPolicy:AlertPolicy": Duration(2, "estimate", "Monitoring API, synchronous"),
    "gcp:projects/iAMMember:IAMMember": Duration(
        10, "estimate", "read-modify-write of the project's IAM policy"
    ),
    # --- run on the deploying machine
    "command:remote:Command": Duration(
        60,
        "estimate",
        "crossnet's rolling listener change on one broker: restart + wait for the broker to rejoin",
    ),
    "command:local:Command": Duration(
        3 * MIN,
        "estimate",
        "crossnet's Kafka broker health wait: boot, cloud-init install, NLB health checks (3 x 10 s); "
        "the layout guard, the other local command, takes no time",
    ),
    "random:index/randomPassword:RandomPassword": Duration(0, "local", "generated by the provider locally"),
    "random:index/randomBytes:RandomBytes": Duration(0, "local", "generated by the provider locally"),
    "random:index/randomId:RandomId": Duration(0, "local", "generated by the provider locally"),
    "tls:index/privateKey:PrivateKey": Duration(0, "local", "EC P-256 key generated locally"),
    "tls:index/selfSignedCert:SelfSignedCert": Duration(0, "local", "signed locally"),
    "tls:index/certRequest:CertRequest": Duration(0, "local", "built locally"),
    "tls:index/locallySignedCert:LocallySignedCert": Duration(0, "local", "signed locally"),
}

PROVIDER = Duration(0, "local", "provider plugin configuration, no cloud call")
SLEEP_SOURCE = "time.Sleep: its own createDuration input"
INPUT_DEPENDENT = frozenset({"time:index/sleep:Sleep"})
"""Types whose duration comes from their inputs; the measured child sends those inputs."""

_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class UnknownType(KeyError):
    """A custom resource type without an entry: add one (with its source) to TABLE."""


def go_duration(text: str) -> float:
    """Seconds in a Go duration string such as ``60s``, ``1m30s``, ``1h``."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(a + b for a, b in parts) != text.strip():
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * _UNIT[u] for n, u in parts)


def lookup(type_token: str, inputs: Mapping[str, Any] | None = None) -> Duration:
    if type_token.startswith("pulumi:providers:"):
        return PROVIDER
    if type_token in INPUT_DEPENDENT:
        value = (inputs or {}).get("createDuration")
        return Duration(go_duration(str(value)) if value else 0.0, "input", SLEEP_SOURCE)
    try:
        return TABLE[type_token]
    except KeyError:
        raise UnknownType(
            f"no typical creation time for {type_token}; add it to bench/durations.py"
        ) from None
