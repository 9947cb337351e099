"""What the clouds refuse about names, as data with sources, and a check of a plan against it.

A real ``pulumi preview``/``up`` fails when a cloud-side name breaks the provider's or the cloud
API's rules; the mock runtime accepts anything. Each :class:`NameRule` says, for one resource type,
which input holds the cloud-side name, how long it may be, which characters it may use, whether
Pulumi auto-names it when the program passes none, and within what the name must be unique. Every
rule cites where it comes from.

Pulumi's auto-name is ``<logical name>-<7 random hex characters>`` (pulumi-terraform-bridge
``tfbridge.AutoName`` -> ``resource.NewUniqueName(seed, name + "-", 7, maxlen, nil)``; the bridged
providers apply it to an input called ``name`` unless a type overrides it: pulumi-aws
``provider/autonaming.go`` and the per-type ``Fields`` in ``provider/resources.go``). So an
auto-named resource needs room for 8 more characters than its logical name, and the logical name
must already satisfy the character rules (RDS identifiers and DB subnet group names are lowercased
by the provider first).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MASK = "[secret]"
"""What the plan document shows for a secret value (``plan.model`` writes it; rules must not judge it)."""

AUTONAME_SUFFIX = "-" + "x" * 7
"""What Pulumi appends to an auto-named resource's logical name (7 random characters, shown as x)."""

ELB_NAME = r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
RDS_IDENTIFIER = r"[a-z](?:[a-z0-9]|-(?!-))*(?<!-)"
GCE_NAME = r"[a-z](?:[-a-z0-9]*[a-z0-9])?"
IAM_NAME = r"[\w+=,.@-]+"

AWS_ELB_DOCS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
AWS_RDS_DOCS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
PULUMI_AWS = "pulumi-aws provider/resources.go"
GCE_NAMING = "https://cloud.google.com/compute/docs/naming-resources"


@dataclass(frozen=True)
class NameRule:
    types: tuple[str, ...]
    property: str
    """Wire (camelCase) name of the input that holds the cloud-side name."""
    max_length: int
    pattern: str
    """The whole name must match (``re.fullmatch``)."""
    allowed: str
    """The character rule in words, for the finding."""
    autonamed: bool
    """Pulumi generates ``<logical name>-<7 chars>`` when the program passes no name."""
    scope: str
    """Within what the name must be unique: ``account``, ``account+region``, ``project``,
    ``project+region``, ``project+zone``, ``vpc``, ``role``, ``resource-group``."""
    source: str
    min_length: int = 1
    lowercase_autoname: bool = False
    """The provider lowercases the logical name before it auto-names (RDS)."""


RULES: tuple[NameRule, ...] = (
    NameRule(
        ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"),
        "name",
        32,
        ELB_NAME,
        "letters, digits and '-', not starting or ending with '-', not starting with 'internal-'",
        True,
        "account+region",
        AWS_ELB_DOCS + "API_CreateLoadBalancer.html (Name); " + PULUMI_AWS + " aws_lb AutoName maxlen 32",
    ),
    NameRule(
        ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"),
        "name",
        32,
        ELB_NAME,
        "letters, digits and '-', not starting or ending with '-'",
        True,
        "account+region",
        AWS_ELB_DOCS
        + "API_CreateTargetGroup.html (Name); "
        + PULUMI_AWS
        + ' aws_lb_target_group AutoName("name", 32, "-")',
    ),
    NameRule(
        ("aws:rds/cluster:Cluster",),
        "clusterIdentifier",
        63,
        RDS_IDENTIFIER,
        "lowercase letters, digits and '-', starting with a letter, no '--', not ending with '-'",
        True,
        "account+region",
        AWS_RDS_DOCS
        + "API_CreateDBCluster.html (DBClusterIdentifier); "
        + PULUMI_AWS
        + ' aws_rds_cluster AutoName("clusterIdentifier", 255, "-")',
        lowercase_autoname=True,
    ),
    NameRule(
        ("aws:rds/clusterInstance:ClusterInstance",),
        "identifier",
        63,
        RDS_IDENTIFIER,
        "lowercase letters, digits and '-', starting with a letter, no '--', not ending with '-'",
        True,
        "account+region",
        AWS_RDS_DOCS + "API_CreateDBInstance.html (DBInstanceIdentifier)",
        lowercase_autoname=True,
    ),
    NameRule(
        ("aws:rds/globalCluster:GlobalCluster",),
        "globalClusterIdentifier",
        63,
        RDS_IDENTIFIER,
        "lowercase letters, digits and '-', starting with a letter, no '--', not ending with '-'",
        False,
        "account",
        AWS_RDS_DOCS + "API_CreateGlobalCluster.html (GlobalClusterIdentifier)",
    ),
    NameRule(
        ("aws:rds/subnetGroup:SubnetGroup",),
        "name",
        255,
        r"(?!default$)[a-z0-9 ._-]+",
        "lowercase letters, digits, spaces, '.', '_' and '-'; not 'default'",
        True,
        "account+region",
        AWS_RDS_DOCS + "API_CreateDBSubnetGroup.html (DBSubnetGroupName)",
        lowercase_autoname=True,
    ),
    NameRule(
        ("aws:iam/role:Role",),
        "name",
        64,
        IAM_NAME,
        "letters, digits and _+=,.@-",
        True,
        "account",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)",
    ),
    NameRule(
        ("aws:iam/instanceProfile:InstanceProfile",),
        "name",
        128,
        IAM_NAME,
        "letters, digits and _+=,.@-",
        True,
        "account",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html"
        " (InstanceProfileName)",
    ),
    NameRule(
        ("aws:iam/rolePolicy:RolePolicy",),
        "name",
        128,
        IAM_NAME,
        "letters, digits and _+=,.@-",
        True,
        "role",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html (PolicyName)",
    ),
    NameRule(
        ("aws:lambda/function:Function",),
        "name",
        64,
        r"[A-Za-z0-9_-]+",
        "letters, digits, '-' and '_'",
        True,
        "account+region",
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName)",
    ),
    NameRule(
        ("aws:sqs/queue:Queue",),
        "name",
        80,
        r"[A-Za-z0-9_-]+(\.fifo)?",
        "letters, digits, '-' and '_' (FIFO queues end in .fifo)",
        True,
        "account+region",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html"
        " (QueueName)",
    ),
    NameRule(
        ("aws:cloudwatch/eventRule:EventRule",),
        "name",
        64,
        r"[.\-_A-Za-z0-9]+",
        "letters, digits, '.', '-' and '_'",
        True,
        "account+region",
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html (Name)",
    ),
    NameRule(
        ("aws:cloudwatch/logGroup:LogGroup",),
        "name",
        512,
        r"[.\-_/#A-Za-z0-9]+",
        "letters, digits and . - _ / #",
        True,
        "account+region",
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    NameRule(
        ("aws:ec2/securityGroup:SecurityGroup",),
        "name",
        255,
        r"(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+",
        "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*; not starting with 'sg-'",
        True,
        "vpc",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupName)",
    ),
    NameRule(
        ("gcp:compute/firewall:Firewall", "gcp:compute/route:Route", "gcp:compute/network:Network"),
        "name",
        63,
        GCE_NAME,
        "RFC 1035: lowercase letters, digits and '-', starting with a letter, not ending with '-'",
        True,
        "project",
        GCE_NAMING,
    ),
    NameRule(
        (
            "gcp:compute/address:Address",
            "gcp:compute/subnetwork:Subnetwork",
            "gcp:compute/resourcePolicy:ResourcePolicy",
        ),
        "name",
        63,
        GCE_NAME,
        "RFC 1035: lowercase letters, digits and '-', starting with a letter, not ending with '-'",
        True,
        "project+region",
        GCE_NAMING,
    ),
    NameRule(
        ("gcp:compute/instance:Instance", "gcp:compute/disk:Disk"),
        "name",
        63,
        GCE_NAME,
        "RFC 1035: lowercase letters, digits and '-', starting with a letter, not ending with '-'",
        True,
        "project+zone",
        GCE_NAMING,
    ),
    NameRule(
        ("gcp:serviceaccount/account:Account",),
        "accountId",
        30,
        r"[a-z](?:[-a-z0-9]*[a-z0-9])",
        "lowercase letters, digits and '-', starting with a letter, not ending with '-'",
        True,
        "project",
        "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create (accountId)",
        min_length=6,
    ),
    NameRule(
        ("gcp:secretmanager/secret:Secret",),
        "secretId",
        255,
        r"[A-Za-z0-9_-]+",
        "letters, digits, '-' and '_'",
        True,
        "project",
        "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create (secretId)",
    ),
    NameRule(
        ("azure-native:network:VirtualNetworkPeering",),
        "virtualNetworkPeeringName",
        80,
        r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?",
        "letters, digits, '_', '.' and '-', starting with a letter or digit, ending with one or '_'",
        False,
        "resource-group",
        "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"
        " (Microsoft.Network virtualNetworks/virtualNetworkPeerings)",
    ),
)

RULES_BY_TYPE: dict[str, NameRule] = {t: rule for rule in RULES for t in rule.types}


@dataclass(frozen=True)
class Finding:
    """One thing a real preview/up would refuse, found in the offline plan."""

    check: str
    level: str
    urn: str
    resource_type: str
    name: str
    property: str
    value: Any
    rule: str
    source: str = ""
    component: str = ""

    def render(self) -> str:
        where = f"  (in {self.component})" if self.component else ""
        lines = [f"[{self.level}] {self.check}: {self.resource_type}  {self.name}{where}"]
        if self.property:
            lines.append(f"    {self.property} = {self.value!r}")
        lines.append(f"    rule: {self.rule}")
        if self.source:
            lines.append(f"    source: {self.source}")
        return "\n".join(lines)


def effective_name(rule: NameRule, record: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The cloud-side name a resource would get, and whether Pulumi would generate it.

    ``None`` when the name is unknown (an Output, a masked secret) or not auto-named.
    """
    value = (record.get("inputs") or {}).get(rule.property)
    if isinstance(value, str) and value != MASK:
        return value, False
    if value is None and rule.autonamed:
        logical = str(record.get("name", ""))
        return (logical.lower() if rule.lowercase_autoname else logical) + AUTONAME_SUFFIX, True
    return None, False


def _scope_key(rule: NameRule, record: Mapping[str, Any], regions: Mapping[str, str]) -> tuple[Any, ...]:
    inputs = record.get("inputs") or {}
    provider = record.get("provider") or ""
    kind = rule.scope
    if kind == "account":
        return (kind,)
    if kind == "account+region":
        return (kind, regions.get(provider, regions.get("", "")))
    if kind == "vpc":
        return (kind, str(inputs.get("vpcId")))
    if kind == "role":
        return (kind, str(inputs.get("role")))
    if kind == "resource-group":
        return (kind, str(inputs.get("resourceGroupName")), str(inputs.get("virtualNetworkName")))
    project = str(inputs.get("project") or regions.get("gcp:project", ""))
    if kind == "project+region":
        return (kind, project, str(inputs.get("region") or regions.get("gcp:region", "")))
    if kind == "project+zone":
        return (kind, project, str(inputs.get("zone") or regions.get("gcp:zone", "")))
    return (kind, project)


def components_of(resources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """URN -> ``<Class> <name>`` of the outermost component it belongs to."""
    by_urn = {r["urn"]: r for r in resources}
    result: dict[str, str] = {}
    for urn, record in by_urn.items():
        top: Mapping[str, Any] | None = None
        current = by_urn.get(record.get("parent") or "")
        while current is not None:
            if not current.get("custom"):
                top = current
            current = by_urn.get(current.get("parent") or "")
        if top is not None:
            result[urn] = f"{str(top['type']).rsplit(':', 1)[-1]} {top['name']}"
    return result


def provider_regions(doc: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Provider URN -> its region (``""`` -> the stack's default ``aws:region``), plus GCP defaults."""
    config = config or {}
    regions: dict[str, str] = {"": str(config.get("aws:region", ""))}
    for key in ("gcp:project", "gcp:region", "gcp:zone"):
        if config.get(key):
            regions[key] = str(config[key])
    for record in doc.get("resources") or []:
        if str(record.get("type", "")).startswith("pulumi:providers:"):
            region = (record.get("inputs") or {}).get("region")
            if isinstance(region, str):
                regions[record["urn"]] = region
    return regions


def _name_finding(
    rule: NameRule, record: Mapping[str, Any], name: str, generated: bool, what: str, component: str
) -> Finding:
    how = " (auto-named: the logical name + '-' + 7 random characters)" if generated else ""
    return Finding(
        "provider-name",
        "mandatory",
        str(record["urn"]),
        str(record["type"]),
        str(record["name"]),
        rule.property,
        name,
        what + how,
        rule.source,
        component,
    )


def check_names(doc: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[Finding]:
    """Every name rule over every recorded resource: length, characters, uniqueness in scope."""
    resources = list(doc.get("resources") or [])
    components = components_of(resources)
    regions = provider_regions(doc, config)
    findings: list[Finding] = []
    seen: dict[tuple[Any, ...], list[Mapping[str, Any]]] = defaultdict(list)
    for record in resources:
        rule = RULES_BY_TYPE.get(str(record.get("type")))
        if rule is None:
            continue
        name, generated = effective_name(rule, record)
        if name is None:
            continue

        owner = components.get(str(record["urn"]), "")
        if not rule.min_length <= len(name) <= rule.max_length:
            what = f"{len(name)} characters; allowed {rule.min_length}-{rule.max_length}"
            findings.append(_name_finding(rule, record, name, generated, what, owner))
        # the random suffix is lowercase hex, so check the characters of the name Pulumi starts from
        if not re.fullmatch(rule.pattern, name.replace(AUTONAME_SUFFIX, "-0000000") if generated else name):
            what = f"allowed characters: {rule.allowed}"
            findings.append(_name_finding(rule, record, name, generated, what, owner))
        if not generated:
            seen[(rule.types[0], rule.property, name, *_scope_key(rule, record, regions))].append(record)
    for (resource_type, prop, name, scope, *where), records in sorted(
        seen.items(), key=lambda kv: str(kv[0])
    ):
        if len(records) < 2:
            continue
        rule = RULES_BY_TYPE[resource_type]
        scope_text = scope + (" " + "/".join(str(w) for w in where if w) if any(where) else "")
        for record in records:
            others = ", ".join(str(r["name"]) for r in records if r is not record)
            findings.append(
                Finding(
                    "provider-name-unique",
                    "mandatory",
                    str(record["urn"]),
                    str(record["type"]),
                    str(record["name"]),
                    prop,
                    name,
                    f"unique per {scope_text}; also used by {others}",
                    rule.source,
                    components.get(str(record["urn"]), ""),
                )
            )
    return findings


NO_CLOUD_NAME: dict[str, str] = {
    "aiven:index/projectVpc:ProjectVpc": "Aiven assigns the VPC id",
    "aiven:index/azureVpcPeeringConnection:AzureVpcPeeringConnection": "identified by its VNet and VPC",
    "aws:cloudwatch/eventTarget:EventTarget": "targetId is generated by the provider, unique per rule",
    "aws:ebs/volume:Volume": "AWS assigns the volume id; the Name tag is free text",
    "aws:ec2/eip:Eip": "AWS assigns the allocation id; the Name tag is free text",
    "aws:ec2/volumeAttachment:VolumeAttachment": "identified by its device name, instance and volume",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "attaches a managed policy to its role",
    "aws:ec2/instance:Instance": "AWS assigns the instance id; the Name tag is free text",
    "aws:ec2/internetGateway:InternetGateway": "AWS assigns the id",
    "aws:ec2/natGateway:NatGateway": "AWS assigns the id",
    "aws:ec2/route:Route": "identified by its route table and destination",
    "aws:ec2/routeTable:RouteTable": "AWS assigns the id",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "AWS assigns the id",
    "aws:ec2/subnet:Subnet": "AWS assigns the id",
    "aws:ec2/vpc:Vpc": "AWS assigns the id",
    "aws:ec2/vpcEndpointService:VpcEndpointService": "AWS assigns the service name",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "AWS assigns the id",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "adopts the peering connection",
    "aws:kms/key:Key": "AWS assigns the key id (an alias would be a separate resource)",
    "aws:lambda/invocation:Invocation": "identified by its function, qualifier and the input's hash",
    "aws:lambda/permission:Permission": "statementId is generated by the provider when not given",
    "aws:lb/listener:Listener": "identified by its load balancer and port",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": "identified by its target group and target",
    "aws:route53/record:Record": "the DNS name is the user's input, validated by the component",
    "aws:sqs/queuePolicy:QueuePolicy": "attached to its queue",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "AWS assigns the rule id",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "AWS assigns the rule id",
    "azure-native:authorization:RoleAssignment": "its name is a GUID the provider generates",
    "azure-native:authorization:RoleDefinition": "its id is a GUID; roleName is a display name",
    "azuread:index/application:Application": "Entra ID assigns the object id; displayName need not be unique",
    "azuread:index/applicationPassword:ApplicationPassword": "Entra ID assigns the key id",
    "azuread:index/servicePrincipal:ServicePrincipal": "Entra ID assigns the object id",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "a binding on its secret",
    "gcp:projects/iAMMember:IAMMember": "a binding in the project's IAM policy",
    "gcp:compute/attachedDisk:AttachedDisk": "attaches a disk to an instance; deviceName is per instance",
    "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": "name refers to the policy",
    "gcp:monitoring/alertPolicy:AlertPolicy": "Cloud Monitoring assigns the id; displayName is free text",
    "gcp:secretmanager/secretVersion:SecretVersion": "Secret Manager numbers the versions",
}
"""Types the components register that have no cloud-side name to check, and why."""

LOCAL_ONLY_PREFIXES = (
    "pulumi:providers:",
    "pulumi-python:dynamic",
    "tls:",
    "random:",
    "time:",
    "command:",
    "crossnet:index:",
)
"""Types that create nothing named in a cloud (providers, dynamic resources, local key material,
commands run where Pulumi or SSH runs them, crossnet's own components)."""


def unclassified_types(types: Iterable[str]) -> list[str]:
    """Cloud resource types that have neither a name rule nor a reason for having none."""
    return sorted(
        t
        for t in set(types)
        if t not in RULES_BY_TYPE and t not in NO_CLOUD_NAME and not t.startswith(LOCAL_ONLY_PREFIXES)
    )
