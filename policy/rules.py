"""crossnet guardrails: the security baselines of checkov, as pure functions over resource inputs.

Each rule is a function ``check(resource_type, props) -> list[str]`` over one resource's
inputs as the Pulumi engine sees them (camelCase keys, e.g. ``metadataOptions.httpTokens``).
It returns one message per violation and never raises on missing keys. The same functions run

- inside ``pulumi preview --policy-pack policy`` (``policy/__main__.py`` wraps each rule in a
  ``ResourceValidationPolicy``), and
- over the offline plan (``python -m plan``; ``evaluate_plan``) in the test suite.

Where a checkov check exists, the rule names it (``CKV_AWS_24`` ...), so a security team can map
the findings onto the scanner they already run. By-design exceptions are in ``EXCEPTIONS``:
each names the marker a crossnet component sets, the rule it lifts, and why.

Values the engine does not know yet (during preview) arrive as :data:`UNKNOWN`; a rule never
reports a value it cannot see. In the offline plan secret inputs are masked as ``"[secret]"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MANDATORY = "mandatory"
ADVISORY = "advisory"

WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
WORLD = (WORLD_V4, WORLD_V6)


class _Unknown:
    """A value the engine cannot know during preview (computed from another resource's output)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    return isinstance(value, _Unknown)


Check = Callable[[str, Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class Rule:
    """One guardrail: a policy in the pack and a check over the offline plan."""

    name: str
    """Policy name (unique in the pack; what ``--policy-pack-config`` refers to)."""
    description: str
    types: tuple[str, ...]
    """Pulumi type tokens the rule applies to."""
    check: Check
    level: str
    """``mandatory`` (blocks ``pulumi up``) or ``advisory`` (reported)."""
    checkov: tuple[str, ...] = ()
    """The checkov checks the rule mirrors; empty where checkov has none."""
    remediation: str = ""

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.types


@dataclass(frozen=True)
class DesignException:
    """A documented, narrow, by-design exception to one rule."""

    rule: str
    marker: str
    reason: str


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str
    urn: str
    resource_type: str
    message: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.rule}: {self.urn}: {self.message}"


# -- property helpers ---------------------------------------------------------------------------


def get(props: Mapping[str, Any] | Any, path: str, default: Any = None) -> Any:
    """``get(props, "metadataOptions.httpTokens")``; ``default`` when any step is missing."""
    current: Any = props
    for part in path.split("."):
        if is_unknown(current):
            return UNKNOWN
        if not isinstance(current, Mapping) or part not in current:
            return default
        current = current[part]
    return current


def items(value: Any) -> list[Any]:
    """A list input as a list (absent or unknown: empty; a single mapping: one item)."""
    if value is None or is_unknown(value) or isinstance(value, str):
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return []


def truthy(value: Any) -> bool | None:
    """True/False for booleans the engine may also send as strings; None when unknown."""
    if is_unknown(value):
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def tags_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    tags = props.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def labels_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    labels = props.get("labels")
    return labels if isinstance(labels, Mapping) else {}


# -- by-design exceptions -----------------------------------------------------------------------

VPN_GATEWAY_LABEL = ("crossnet-role", "vpn-gateway")
"""Label ``OpenVpnGateway`` puts on its VM (components/gcp/vpn/component.py)."""


def is_vpn_gateway(props: Mapping[str, Any]) -> bool:
    key, value = VPN_GATEWAY_LABEL
    return labels_of(props).get(key) == value


def is_kafka_bastion(props: Mapping[str, Any]) -> bool:
    """The bastion ``KafkaPrivateLinkCluster`` creates with ``bastion: true``.

    The component tags it ``crossnet:component=<name>`` and ``Name=<name>-bastion``; both must
    agree, so an instance merely named "...-bastion" is not exempt.
    """
    tags = tags_of(props)
    component = tags.get("crossnet:component")
    return isinstance(component, str) and bool(component) and tags.get("Name") == f"{component}-bastion"


def is_global_secondary(resource_type: str, props: Mapping[str, Any]) -> bool:
    """A secondary member of an Aurora global database: joined to one, without master credentials.

    ``AuroraGlobalDb`` gives only the primary a master user; RDS refuses a final snapshot of a
    secondary, so the component skips it there and keeps the primary's.
    """
    joined = props.get("globalClusterIdentifier")
    return (
        resource_type == "aws:rds/cluster:Cluster"
        and isinstance(joined, str)
        and bool(joined)
        and not props.get("masterUsername")
        and not props.get("snapshotIdentifier")
    )


EXCEPTIONS: tuple[DesignException, ...] = (
    DesignException(
        "gcp-instance-no-ip-forwarding",
        "GCP label crossnet-role=vpn-gateway",
        "OpenVpnGateway routes the on-premises and tunnel CIDRs through its VM; without "
        "can_ip_forward GCP drops every forwarded packet.",
    ),
    DesignException(
        "gcp-instance-no-public-ip",
        "GCP label crossnet-role=vpn-gateway",
        "The on-premises VPN clients reach the gateway on its static external IP; the "
        "firewall admits only allowed_source_ranges on the VPN port.",
    ),
    DesignException(
        "aws-ec2-no-public-ip",
        "AWS tags crossnet:component=<name> and Name=<name>-bastion",
        "KafkaPrivateLinkCluster's optional bastion is the one SSH entry point; its security "
        "group admits only ssh_ingress_cidrs (0.0.0.0/0 needs allow_world_ssh and still fails "
        "aws-sg-no-world-ssh).",
    ),
    DesignException(
        "aws-rds-final-snapshot",
        "aws:rds/cluster:Cluster joined to a global cluster without masterUsername (a secondary)",
        "RDS cannot take a final snapshot of a global database's secondary; the primary's "
        "final snapshot is the one kept.",
    ),
)


# -- network rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ingress:
    where: str
    protocol: str
    from_port: Any
    to_port: Any
    sources: tuple[str, ...]


def _sg_ingress(resource_type: str, props: Mapping[str, Any]) -> Iterator[_Ingress]:
    def sources(rule: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
        found: list[str] = []
        for key in keys:
            value = rule.get(key)
            if isinstance(value, str):
                found.append(value)
            else:
                found += [v for v in items(value) if isinstance(v, str)]
        return tuple(found)

    if resource_type == "aws:ec2/securityGroup:SecurityGroup":
        for i, rule in enumerate(items(props.get("ingress"))):
            if isinstance(rule, Mapping):
                yield _Ingress(
                    f"ingress[{i}]",
                    str(rule.get("protocol", "")),
                    rule.get("fromPort"),
                    rule.get("toPort"),
                    sources(rule, "cidrBlocks", "ipv6CidrBlocks"),
                )
    elif resource_type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if props.get("type") == "ingress":
            yield _Ingress(
                "rule",
                str(props.get("protocol", "")),
                props.get("fromPort"),
                props.get("toPort"),
                sources(props, "cidrBlocks", "ipv6CidrBlocks"),
            )
    elif resource_type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        yield _Ingress(
            "rule",
            str(props.get("ipProtocol", "")),
            props.get("fromPort"),
            props.get("toPort"),
            sources(props, "cidrIpv4", "cidrIpv6"),
        )


def _all_ports(rule: _Ingress) -> bool:
    if rule.protocol.lower() in ("-1", "all"):
        return True
    low, high = _as_int(rule.from_port), _as_int(rule.to_port)
    return low is not None and high is not None and low <= 0 and high >= 65535


def _covers(rule: _Ingress, port: int) -> bool:
    if _all_ports(rule):
        return True
    if rule.protocol.lower() not in ("tcp", "6"):
        return False
    low, high = _as_int(rule.from_port), _as_int(rule.to_port)
    return low is not None and high is not None and low <= port <= high


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or is_unknown(value):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _world(rule: _Ingress) -> list[str]:
    return [s for s in rule.sources if s in WORLD]


SECURITY_GROUP_TYPES = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
)


def _sg_world_port(port: int, label: str) -> Check:
    def check(resource_type: str, props: Mapping[str, Any]) -> list[str]:
        return [
            f"{rule.where}: {label} (port {port}) open to {', '.join(_world(rule))}; allow only the "
            "CIDRs that need it"
            for rule in _sg_ingress(resource_type, props)
            if _world(rule) and _covers(rule, port)
        ]

    return check


def sg_world_all_ports(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    return [
        f"{rule.where}: every port (protocol {rule.protocol!r}, {rule.from_port}-{rule.to_port}) open "
        f"to {', '.join(_world(rule))}"
        for rule in _sg_ingress(resource_type, props)
        if _world(rule) and _all_ports(rule)
    ]


def _gcp_ports(allow: Mapping[str, Any]) -> list[tuple[int, int]] | None:
    """Port ranges of one ``allows`` entry; None means every port."""
    protocol = str(allow.get("protocol", "")).lower()
    ports = [str(p) for p in items(allow.get("ports")) if isinstance(p, str | int)]
    if protocol == "all" or not ports:
        return None  # "all", or tcp/udp without ports: every port of the protocol
    ranges: list[tuple[int, int]] = []
    for text in ports:
        low, _, high = text.partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            ranges.append((int(low), int(high or low)))
    return ranges


def _gcp_world_allows(props: Mapping[str, Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if str(props.get("direction") or "INGRESS").upper() != "INGRESS" or truthy(props.get("disabled")):
        return
    sources = [s for s in items(props.get("sourceRanges")) if isinstance(s, str)]
    if not any(s in WORLD for s in sources):
        return
    for i, allow in enumerate(items(props.get("allows"))):
        if isinstance(allow, Mapping):
            yield i, allow


def _gcp_opens(allow: Mapping[str, Any], port: int) -> bool:
    protocol = str(allow.get("protocol", "")).lower()
    if protocol not in ("all", "tcp", "6"):
        return False
    ranges = _gcp_ports(allow)
    return ranges is None or any(low <= port <= high for low, high in ranges)


def _gcp_world_port(port: int, label: str) -> Check:
    def check(resource_type: str, props: Mapping[str, Any]) -> list[str]:
        return [
            f"allows[{i}]: {label} (port {port}) open to 0.0.0.0/0 via sourceRanges"
            for i, allow in _gcp_world_allows(props)
            if _gcp_opens(allow, port)
        ]

    return check


def gcp_firewall_world_ingress(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    found = []
    for i, allow in _gcp_world_allows(props):
        if _gcp_opens(allow, 22) or _gcp_opens(allow, 3389):
            continue  # reported by the mandatory rules
        ports = ",".join(str(p) for p in items(allow.get("ports"))) or "all ports"
        found.append(
            f"allows[{i}]: {allow.get('protocol')} {ports} open to the whole internet; "
            "prefer the sources' own ranges"
        )
    return found


# -- compute rules ------------------------------------------------------------------------------


EC2_TYPES = ("aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate")


def ec2_imdsv2(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    tokens = get(props, "metadataOptions.httpTokens")
    endpoint = get(props, "metadataOptions.httpEndpoint")
    if is_unknown(tokens) or is_unknown(endpoint) or tokens == "required" or endpoint == "disabled":
        return []
    return [f"metadataOptions.httpTokens is {tokens!r}: require IMDSv2 (httpTokens=required)"]


def ec2_ebs_encrypted(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    found = []
    if resource_type == "aws:ebs/volume:Volume":
        if truthy(props.get("encrypted")) is False:
            found.append("encrypted is not true")
        return found
    if resource_type == "aws:ec2/instance:Instance":
        root = props.get("rootBlockDevice")
        if not is_unknown(root) and truthy(get(props, "rootBlockDevice.encrypted")) is False:
            found.append("rootBlockDevice.encrypted is not true")
        for i, device in enumerate(items(props.get("ebsBlockDevices"))):
            if isinstance(device, Mapping) and truthy(device.get("encrypted")) is False:
                found.append(f"ebsBlockDevices[{i}].encrypted is not true")
    else:
        for i, device in enumerate(items(props.get("blockDeviceMappings"))):
            if (
                isinstance(device, Mapping)
                and isinstance(device.get("ebs"), Mapping)
                and truthy(device["ebs"].get("encrypted")) is False
            ):
                found.append(f"blockDeviceMappings[{i}].ebs.encrypted is not true")
    return found


def ec2_no_public_ip(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if is_kafka_bastion(props):
        return []
    if resource_type == "aws:ec2/instance:Instance":
        if truthy(props.get("associatePublicIpAddress")):
            return ["associatePublicIpAddress is true"]
        return []
    return [
        f"networkInterfaces[{i}].associatePublicIpAddress is true"
        for i, nic in enumerate(items(props.get("networkInterfaces")))
        if isinstance(nic, Mapping) and truthy(nic.get("associatePublicIpAddress"))
    ]


GCP_INSTANCE_TYPES = ("gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate")


def _metadata(props: Mapping[str, Any]) -> Mapping[str, Any]:
    value = props.get("metadata")
    return value if isinstance(value, Mapping) else {}


def gcp_os_login(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = _metadata(props).get("enable-oslogin")
    if is_unknown(value) or truthy(value):
        return []
    return [f"metadata.enable-oslogin is {value!r}: set it to TRUE (IAM-controlled SSH, no keys in metadata)"]


def gcp_no_serial_port(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = _metadata(props).get("serial-port-enable")
    return [f"metadata.serial-port-enable is {value!r}"] if truthy(value) else []


def gcp_block_project_ssh_keys(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = _metadata(props).get("block-project-ssh-keys")
    if is_unknown(value) or truthy(value):
        return []
    return [f"metadata.block-project-ssh-keys is {value!r}: set it to TRUE"]


def gcp_shielded_vm(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    config = props.get("shieldedInstanceConfig")
    if is_unknown(config):
        return []
    if not isinstance(config, Mapping):
        return ["shieldedInstanceConfig is missing: enable vTPM and integrity monitoring"]
    return [
        f"shieldedInstanceConfig.{key} is not true"
        for key in ("enableVtpm", "enableIntegrityMonitoring")
        if truthy(config.get(key)) is False
    ]


def gcp_no_ip_forwarding(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if truthy(props.get("canIpForward")) and not is_vpn_gateway(props):
        return ["canIpForward is true on an instance that is not a crossnet VPN gateway"]
    return []


def gcp_no_public_ip(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if is_vpn_gateway(props):
        return []
    return [
        f"networkInterfaces[{i}] has an external access config"
        for i, nic in enumerate(items(props.get("networkInterfaces")))
        if isinstance(nic, Mapping) and items(nic.get("accessConfigs"))
    ]


def gcp_no_default_service_account(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    email = get(props, "serviceAccount.email")
    if isinstance(email, str) and email.endswith("-compute@developer.gserviceaccount.com"):
        return [
            f"serviceAccount.email {email!r} is the Compute Engine default service account "
            "(project Editor): give the VM its own service account"
        ]
    return []


PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}")
    elif isinstance(value, Sequence):
        for i, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{i}]")


PLAIN_CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    "aws:ec2/instance:Instance": ("userData",),
    "aws:ec2/launchTemplate:LaunchTemplate": ("userData",),
    "aws:lambda/function:Function": ("environment",),
    "gcp:compute/instance:Instance": ("metadata", "metadataStartupScript"),
    "gcp:compute/instanceTemplate:InstanceTemplate": ("metadata", "metadataStartupScript"),
}


def no_private_key_in_plain_config(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    found = []
    for field in PLAIN_CONFIG_FIELDS.get(resource_type, ()):
        for path, text in _strings(props.get(field), field):
            if PRIVATE_KEY.search(text):
                found.append(
                    f"{path} holds a private key: anyone who can read instance metadata, user "
                    "data or the function configuration can read it; deliver it through a "
                    "secret store"
                )
    return found


# -- database rules -----------------------------------------------------------------------------


RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_GLOBAL = "aws:rds/globalCluster:GlobalCluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def _flag_true(key: str, why: str) -> Check:
    def check(resource_type: str, props: Mapping[str, Any]) -> list[str]:
        value = props.get(key)
        if is_unknown(value) or truthy(value):
            return []
        return [f"{key} is {value!r}: {why}"]

    return check


def rds_backup_retention(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("backupRetentionPeriod")
    if is_unknown(value):
        return []
    days = _as_int(value)
    if days is None or days < 7:
        return [f"backupRetentionPeriod is {value!r} (default 1): keep at least 7 days"]
    return []


def rds_log_exports(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("enabledCloudwatchLogsExports")
    if is_unknown(value) or items(value):
        return []
    return ["enabledCloudwatchLogsExports is empty: export the engine log (postgresql) to CloudWatch Logs"]


def rds_not_public(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    return ["publiclyAccessible is true"] if truthy(props.get("publiclyAccessible")) else []


def rds_final_snapshot(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if truthy(props.get("skipFinalSnapshot")) and not is_global_secondary(resource_type, props):
        return ["skipFinalSnapshot is true: a delete leaves no snapshot behind"]
    return []


# -- load balancer, endpoint service, Lambda ----------------------------------------------------

LB_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")


def nlb_cross_zone(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("loadBalancerType") != "network":
        return []
    value = props.get("enableCrossZoneLoadBalancing")
    if is_unknown(value) or truthy(value):
        return []
    return [
        f"enableCrossZoneLoadBalancing is {value!r} on a network load balancer: a client that "
        "resolves another AZ's NLB address cannot reach brokers behind this AZ"
    ]


def lb_deletion_protection(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("enableDeletionProtection")
    if is_unknown(value) or truthy(value):
        return []
    return [f"enableDeletionProtection is {value!r}"]


ENDPOINT_SERVICE = "aws:ec2/vpcEndpointService:VpcEndpointService"
ENDPOINT_PRINCIPAL = "aws:ec2/vpcEndpointServiceAllowedPrinciple:VpcEndpointServiceAllowedPrinciple"


def endpoint_acceptance(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("acceptanceRequired")
    if is_unknown(value) or truthy(value):
        return []
    return [f"acceptanceRequired is {value!r}: every connection request must be accepted by the owner"]


def endpoint_no_wildcard_principal(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if resource_type == ENDPOINT_PRINCIPAL:
        principals: list[Any] = [props.get("principalArn")]
        where = "principalArn"
    else:
        principals = items(props.get("allowedPrincipals"))
        where = "allowedPrincipals"
    return [
        f"{where} contains {p!r}: any AWS account could connect; list the consumer's principal"
        for p in principals
        if isinstance(p, str) and "*" in p
    ]


LAMBDA = "aws:lambda/function:Function"


def lambda_tracing(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    mode = get(props, "tracingConfig.mode")
    if is_unknown(mode) or mode in ("Active", "PassThrough"):
        return []
    return [f"tracingConfig.mode is {mode!r}: enable X-Ray tracing (Active)"]


def lambda_concurrency(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    value = props.get("reservedConcurrentExecutions")
    if is_unknown(value):
        return []
    n = _as_int(value)
    if n is None or n < 1:
        return [
            f"reservedConcurrentExecutions is {value!r}: reserve concurrency so the function is "
            "neither starved by nor starves the account"
        ]
    return []


def lambda_dlq(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    target = get(props, "deadLetterConfig.targetArn")
    if is_unknown(target) or (isinstance(target, str) and target):
        return []
    return ["deadLetterConfig.targetArn is not set: failed asynchronous invocations are dropped"]


# -- Azure ----------------------------------------------------------------------------------------

ROLE_DEFINITION_TYPES = (
    "azure-native:authorization:RoleDefinition",
    "azure:authorization/roleDefinition:RoleDefinition",
)


def azure_role_no_wildcard(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    """Every action of every permission block; checkov's CKV_AZURE_39 looks at less."""
    found = []
    for i, permission in enumerate(items(props.get("permissions"))):
        if not isinstance(permission, Mapping):
            continue
        for key in ("actions", "dataActions"):
            for j, action in enumerate(items(permission.get(key))):
                if isinstance(action, str) and "*" in action:
                    found.append(
                        f"permissions[{i}].{key}[{j}] is {action!r}: name each action the role needs"
                    )
    return found


# -- the rule set -------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "aws-sg-no-world-ssh",
        "Security groups do not admit 0.0.0.0/0 or ::/0 on port 22.",
        SECURITY_GROUP_TYPES,
        _sg_world_port(22, "SSH"),
        MANDATORY,
        ("CKV_AWS_24",),
    ),
    Rule(
        "aws-sg-no-world-rdp",
        "Security groups do not admit 0.0.0.0/0 or ::/0 on port 3389.",
        SECURITY_GROUP_TYPES,
        _sg_world_port(3389, "RDP"),
        MANDATORY,
        ("CKV_AWS_25",),
    ),
    Rule(
        "aws-sg-no-world-all-ports",
        "Security groups do not admit 0.0.0.0/0 or ::/0 on every port.",
        SECURITY_GROUP_TYPES,
        sg_world_all_ports,
        MANDATORY,
        ("CKV_AWS_277",),
    ),
    Rule(
        "aws-ec2-imdsv2",
        "EC2 instances require IMDSv2 session tokens.",
        EC2_TYPES,
        ec2_imdsv2,
        MANDATORY,
        ("CKV_AWS_79",),
    ),
    Rule(
        "aws-ec2-ebs-encrypted",
        "EBS volumes of EC2 instances are encrypted.",
        (*EC2_TYPES, "aws:ebs/volume:Volume"),
        ec2_ebs_encrypted,
        MANDATORY,
        ("CKV_AWS_8", "CKV_AWS_3"),
    ),
    Rule(
        "aws-ec2-no-public-ip",
        "EC2 instances get no public IP (except the crossnet Kafka bastion).",
        EC2_TYPES,
        ec2_no_public_ip,
        MANDATORY,
        ("CKV_AWS_88",),
    ),
    Rule(
        "no-private-key-in-plain-config",
        "No private key in EC2 user data, GCP instance metadata or Lambda environment variables.",
        tuple(PLAIN_CONFIG_FIELDS),
        no_private_key_in_plain_config,
        MANDATORY,
        ("CKV_AWS_46", "CKV_AWS_45"),
    ),
    Rule(
        "aws-rds-storage-encrypted",
        "Aurora clusters and global clusters encrypt storage.",
        (RDS_CLUSTER, RDS_GLOBAL, RDS_INSTANCE),
        _flag_true("storageEncrypted", "encrypt storage at rest (a KMS key per region)"),
        MANDATORY,
        ("CKV_AWS_96", "CKV_AWS_16"),
    ),
    Rule(
        "aws-rds-deletion-protection",
        "Aurora clusters and global clusters have deletion protection.",
        (RDS_CLUSTER, RDS_GLOBAL, RDS_INSTANCE),
        _flag_true("deletionProtection", "a `pulumi destroy` or a replacement would delete the database"),
        ADVISORY,
        ("CKV_AWS_139", "CKV_AWS_293"),
        "Set deletion_protection: true (the default); dev stacks may turn it off.",
    ),
    Rule(
        "aws-rds-iam-auth",
        "Aurora clusters allow IAM database authentication.",
        (RDS_CLUSTER, RDS_INSTANCE),
        _flag_true("iamDatabaseAuthenticationEnabled", "enable IAM database authentication"),
        MANDATORY,
        ("CKV_AWS_162", "CKV_AWS_161"),
    ),
    Rule(
        "aws-rds-backup-retention",
        "Aurora clusters keep automated backups for at least 7 days.",
        (RDS_CLUSTER, RDS_INSTANCE),
        rds_backup_retention,
        ADVISORY,
        ("CKV_AWS_133",),
        "Set backup_retention_days >= 7 (the default); dev stacks may keep fewer.",
    ),
    Rule(
        "aws-rds-log-exports",
        "Aurora clusters export their engine log to CloudWatch Logs.",
        (RDS_CLUSTER, RDS_INSTANCE),
        rds_log_exports,
        MANDATORY,
        ("CKV_AWS_324", "CKV_AWS_129"),
    ),
    Rule(
        "aws-rds-copy-tags",
        "Aurora clusters copy tags to snapshots.",
        (RDS_CLUSTER, RDS_INSTANCE),
        _flag_true("copyTagsToSnapshot", "snapshots lose the owner/cost tags"),
        ADVISORY,
        ("CKV_AWS_313",),
    ),
    Rule(
        "aws-rds-not-public",
        "Database instances are not publicly accessible.",
        (RDS_CLUSTER_INSTANCE, RDS_INSTANCE),
        rds_not_public,
        MANDATORY,
        ("CKV_AWS_17",),
    ),
    Rule(
        "aws-rds-final-snapshot",
        "Deleting an Aurora cluster leaves a final snapshot.",
        (RDS_CLUSTER, RDS_INSTANCE),
        rds_final_snapshot,
        ADVISORY,
        (),
        "Set skip_final_snapshot: false (the default); dev stacks may skip it.",
    ),
    Rule(
        "aws-nlb-cross-zone",
        "Network load balancers balance across zones.",
        LB_TYPES,
        nlb_cross_zone,
        MANDATORY,
        ("CKV_AWS_152",),
    ),
    Rule(
        "aws-lb-deletion-protection",
        "Load balancers have deletion protection.",
        LB_TYPES,
        lb_deletion_protection,
        ADVISORY,
        ("CKV_AWS_150",),
        "Set nlb_deletion_protection: true (the default); dev stacks may turn it off.",
    ),
    Rule(
        "aws-endpoint-service-acceptance",
        "VPC endpoint services require acceptance of connections.",
        (ENDPOINT_SERVICE,),
        endpoint_acceptance,
        MANDATORY,
        ("CKV_AWS_123",),
    ),
    Rule(
        "aws-endpoint-service-no-wildcard-principal",
        "VPC endpoint services allow named principals only, never '*'.",
        (ENDPOINT_SERVICE, ENDPOINT_PRINCIPAL),
        endpoint_no_wildcard_principal,
        MANDATORY,
        (),
    ),
    Rule(
        "aws-lambda-tracing",
        "Lambda functions trace with X-Ray.",
        (LAMBDA,),
        lambda_tracing,
        MANDATORY,
        ("CKV_AWS_50",),
    ),
    Rule(
        "aws-lambda-concurrency",
        "Lambda functions reserve concurrency.",
        (LAMBDA,),
        lambda_concurrency,
        ADVISORY,
        ("CKV_AWS_115",),
        "Set failover_reserved_concurrency (prod reserves 2); accounts with a concurrency quota of 10 "
        "cannot reserve any.",
    ),
    Rule(
        "aws-lambda-dlq",
        "Lambda functions have a dead-letter queue.",
        (LAMBDA,),
        lambda_dlq,
        MANDATORY,
        ("CKV_AWS_116",),
    ),
    Rule(
        "gcp-firewall-no-world-ssh",
        "Firewall rules do not admit 0.0.0.0/0 on port 22.",
        ("gcp:compute/firewall:Firewall",),
        _gcp_world_port(22, "SSH"),
        MANDATORY,
        ("CKV_GCP_2",),
    ),
    Rule(
        "gcp-firewall-no-world-rdp",
        "Firewall rules do not admit 0.0.0.0/0 on port 3389.",
        ("gcp:compute/firewall:Firewall",),
        _gcp_world_port(3389, "RDP"),
        MANDATORY,
        ("CKV_GCP_3",),
    ),
    Rule(
        "gcp-firewall-world-ingress",
        "Firewall rules open to 0.0.0.0/0 on any other port are reported.",
        ("gcp:compute/firewall:Firewall",),
        gcp_firewall_world_ingress,
        ADVISORY,
        (),
        "OpenVpnGateway opens its VPN port to the world only with allow_world_ingress: true.",
    ),
    Rule(
        "gcp-instance-os-login",
        "VMs use OS Login.",
        GCP_INSTANCE_TYPES,
        gcp_os_login,
        MANDATORY,
        ("CKV_GCP_33", "CKV_GCP_34"),
    ),
    Rule(
        "gcp-instance-no-serial-port",
        "VMs do not enable the interactive serial port.",
        GCP_INSTANCE_TYPES,
        gcp_no_serial_port,
        MANDATORY,
        ("CKV_GCP_35",),
    ),
    Rule(
        "gcp-instance-shielded-vm",
        "VMs are Shielded VMs (vTPM and integrity monitoring).",
        GCP_INSTANCE_TYPES,
        gcp_shielded_vm,
        MANDATORY,
        ("CKV_GCP_39",),
    ),
    Rule(
        "gcp-instance-block-project-ssh-keys",
        "VMs block project-wide SSH keys.",
        GCP_INSTANCE_TYPES,
        gcp_block_project_ssh_keys,
        MANDATORY,
        ("CKV_GCP_32",),
    ),
    Rule(
        "gcp-instance-no-ip-forwarding",
        "VMs do not forward IP (except the crossnet VPN gateway).",
        GCP_INSTANCE_TYPES,
        gcp_no_ip_forwarding,
        MANDATORY,
        ("CKV_GCP_36",),
    ),
    Rule(
        "gcp-instance-no-public-ip",
        "VMs have no external IP (except the crossnet VPN gateway).",
        GCP_INSTANCE_TYPES,
        gcp_no_public_ip,
        MANDATORY,
        ("CKV_GCP_40",),
    ),
    Rule(
        "gcp-instance-no-default-service-account",
        "VMs do not run as the default compute service account.",
        GCP_INSTANCE_TYPES,
        gcp_no_default_service_account,
        MANDATORY,
        ("CKV_GCP_30", "CKV_GCP_41"),
    ),
    Rule(
        "azure-custom-role-no-wildcard-actions",
        "Custom roles name their actions; no '*' in any of them.",
        ROLE_DEFINITION_TYPES,
        azure_role_no_wildcard,
        MANDATORY,
        ("CKV_AZURE_39",),
    ),
)

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}

PRODUCTION: dict[str, str] = {
    "aws-rds-deletion-protection": MANDATORY,
    "aws-rds-backup-retention": MANDATORY,
    "aws-rds-final-snapshot": MANDATORY,
    "aws-lb-deletion-protection": MANDATORY,
    "aws-lambda-concurrency": MANDATORY,
}
"""Levels raised for production stacks (``policy/production.json``): what dev may switch off."""


def levels(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each rule's enforcement level, with ``overrides`` (rule name -> level) applied."""
    result = {rule.name: rule.level for rule in RULES}
    for name, level in (overrides or {}).items():
        if name not in result:
            raise KeyError(f"no rule named {name!r}")
        result[name] = level
    return result


def check(resource_type: str, props: Mapping[str, Any]) -> dict[str, list[str]]:
    """Rule name -> messages, for every rule that applies to the type and found something."""
    found: dict[str, list[str]] = {}
    for rule in RULES:
        if rule.applies_to(resource_type):
            messages = rule.check(resource_type, props)
            if messages:
                found[rule.name] = messages
    return found


def evaluate(
    resources: Iterable[Mapping[str, Any]], overrides: Mapping[str, str] | None = None
) -> list[Finding]:
    """Findings over plan records (``{"urn", "type", "inputs"}``, the offline plan's format)."""
    level_of = levels(overrides)
    findings: list[Finding] = []
    for record in resources:
        resource_type = str(record.get("type", ""))
        props = record.get("inputs") or {}
        for name, messages in check(resource_type, props).items():
            if level_of[name] == "disabled":
                continue
            findings += [
                Finding(name, level_of[name], str(record.get("urn", "")), resource_type, m) for m in messages
            ]
    return findings


def evaluate_plan(doc: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> list[Finding]:
    """Findings over an offline plan document (``python -m plan STACK --json``)."""
    return evaluate(doc.get("resources") or [], overrides)


def mandatory(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == MANDATORY]
