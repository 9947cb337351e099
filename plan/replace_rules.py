"""Which input changes make the provider replace a resource instead of updating it.

``plan diff`` marks a changed resource ``REPLACE`` when a changed input (or an input under it)
is listed here for its type. Two sources, each named on the entry:

- the installed provider SDKs: a property whose docstring says "Changing this forces a new
  resource to be created" (pulumi-gcp copies the upstream docs, which say so per field);
- the upstream Terraform providers' schemas (``ForceNew: true``), which the bridged Pulumi
  providers inherit, for the types the SDK docstrings do not annotate (pulumi-aws), listed by
  hand below with the upstream file. Pulumi-native and local providers (azure-native path
  parameters, tls, random) are noted with their rule.

A property not listed is an update. When in doubt the table says replace: missing a replacement
in a review is the costly mistake.
"""

from __future__ import annotations

import importlib
import re
from functools import cache

TF_AWS = "terraform-provider-aws internal/service/"
TF_GOOGLE = "terraform-provider-google google/services/"

# type -> (properties that force replacement, source)
FORCE_NEW: dict[str, tuple[tuple[str, ...], str]] = {
    "aws:ec2/instance:Instance": (
        (
            "ami",
            "availabilityZone",
            "subnetId",
            "privateIp",
            "keyName",
            "associatePublicIpAddress",
            "networkInterfaces",
            "ebsBlockDevices",
            "ephemeralBlockDevices",
            "placementGroup",
            "hostId",
            "cpuOptions",
            "rootBlockDevice.encrypted",
            "rootBlockDevice.kmsKeyId",
            "securityGroups",
        ),
        TF_AWS + "ec2/ec2_instance.go (ForceNew; user_data updates in place unless userDataReplaceOnChange)",
    ),
    "aws:ec2/subnet:Subnet": (
        ("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn"),
        TF_AWS + "ec2/vpc_subnet.go (ForceNew)",
    ),
    "aws:ec2/vpc:Vpc": (
        ("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
        TF_AWS + "ec2/vpc_.go (ForceNew)",
    ),
    "aws:ec2/securityGroup:SecurityGroup": (
        ("name", "namePrefix", "description", "vpcId"),
        TF_AWS + "ec2/vpc_security_group.go (ForceNew)",
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        ("securityGroupId",),
        TF_AWS + "ec2/vpc_security_group_ingress_rule.go (RequiresReplace)",
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        ("securityGroupId",),
        TF_AWS + "ec2/vpc_security_group_egress_rule.go (the ingress rule's schema: RequiresReplace)",
    ),
    "aws:ec2/route:Route": (
        ("routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"),
        TF_AWS + "ec2/vpc_route.go (ForceNew)",
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        ("subnetId", "gatewayId"),
        TF_AWS + "ec2/vpc_route_table_association.go (ForceNew)",
    ),
    "aws:ec2/routeTable:RouteTable": (("vpcId",), TF_AWS + "ec2/vpc_route_table.go (ForceNew)"),
    "aws:ec2/internetGateway:InternetGateway": (
        (),
        TF_AWS + "ec2/vpc_internet_gateway.go (vpc_id attaches and detaches in place)",
    ),
    "aws:ec2/eip:Eip": (
        ("domain", "networkBorderGroup", "publicIpv4Pool"),
        TF_AWS + "ec2/ec2_eip.go (ForceNew)",
    ),
    "aws:ec2/natGateway:NatGateway": (
        ("allocationId", "subnetId", "connectivityType", "privateIp"),
        TF_AWS + "ec2/vpc_nat_gateway.go (ForceNew)",
    ),
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": (
        ("vpcId", "peerVpcId", "peerOwnerId", "peerRegion"),
        TF_AWS + "ec2/vpc_peering_connection.go (ForceNew)",
    ),
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": (
        ("vpcPeeringConnectionId",),
        TF_AWS + "ec2/vpc_peering_connection_accepter.go (ForceNew)",
    ),
    "aws:lb/loadBalancer:LoadBalancer": (
        ("name", "namePrefix", "internal", "loadBalancerType", "customerOwnedIpv4Pool"),
        TF_AWS + "elbv2/load_balancer.go (ForceNew; removing a subnet from an NLB also replaces it)",
    ),
    "aws:lb/targetGroup:TargetGroup": (
        ("name", "namePrefix", "port", "protocol", "vpcId", "targetType", "protocolVersion", "ipAddressType"),
        TF_AWS + "elbv2/target_group.go (ForceNew)",
    ),
    "aws:lb/listener:Listener": (("loadBalancerArn",), TF_AWS + "elbv2/listener.go (ForceNew)"),
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": (
        ("targetGroupArn", "targetId", "port", "availabilityZone"),
        TF_AWS + "elbv2/target_group_attachment.go (ForceNew: every argument)",
    ),
    "aws:rds/cluster:Cluster": (
        (
            "clusterIdentifier",
            "clusterIdentifierPrefix",
            "availabilityZones",
            "databaseName",
            "dbSubnetGroupName",
            "engineMode",
            "kmsKeyId",
            "masterUsername",
            "snapshotIdentifier",
            "sourceRegion",
            "storageEncrypted",
        ),
        TF_AWS + "rds/cluster.go (ForceNew)",
    ),
    "aws:rds/clusterInstance:ClusterInstance": (
        (
            "identifier",
            "identifierPrefix",
            "clusterIdentifier",
            "engine",
            "availabilityZone",
            "dbSubnetGroupName",
        ),
        TF_AWS + "rds/cluster_instance.go (ForceNew)",
    ),
    "aws:rds/globalCluster:GlobalCluster": (
        ("engine", "databaseName", "sourceDbClusterIdentifier", "storageEncrypted"),
        TF_AWS + "rds/global_cluster.go (ForceNew)",
    ),
    "aws:rds/subnetGroup:SubnetGroup": (("name", "namePrefix"), TF_AWS + "rds/subnet_group.go (ForceNew)"),
    "aws:iam/role:Role": (("name", "namePrefix", "path"), TF_AWS + "iam/role.go (ForceNew)"),
    "aws:iam/rolePolicy:RolePolicy": (
        ("name", "namePrefix", "role"),
        TF_AWS + "iam/role_policy.go (ForceNew)",
    ),
    "aws:iam/instanceProfile:InstanceProfile": (
        ("name", "namePrefix", "path"),
        TF_AWS + "iam/instance_profile.go (ForceNew)",
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        ("role", "policyArn"),
        TF_AWS + "iam/role_policy_attachment.go (ForceNew: every argument)",
    ),
    "aws:ebs/volume:Volume": (
        ("availabilityZone", "encrypted", "kmsKeyId", "snapshotId", "outpostArn"),
        TF_AWS + "ec2/ebs_volume.go (ForceNew; size, type, iops and throughput change in place)",
    ),
    "aws:ec2/volumeAttachment:VolumeAttachment": (
        ("deviceName", "instanceId", "volumeId"),
        TF_AWS + "ec2/ebs_volume_attachment.go (ForceNew)",
    ),
    "command:local:Command": (
        ("triggers",),
        "pulumi-command docs, local.Command triggers ('trigger a resource replacement on changes')",
    ),
    "command:remote:Command": (
        ("triggers",),
        "pulumi-command docs, remote.Command triggers ('trigger a resource replacement on changes')",
    ),
    "aws:lambda/function:Function": (("name", "packageType"), TF_AWS + "lambda/function.go (ForceNew)"),
    "aws:lambda/invocation:Invocation": (
        ("functionName", "qualifier", "triggers", "input"),
        TF_AWS + "lambda/invocation.go (ForceNew; input: customizeDiffInputChangeWithCreateOnlyScope)",
    ),
    "aws:lambda/permission:Permission": (
        ("action", "function", "principal", "sourceArn", "sourceAccount", "statementId", "qualifier"),
        TF_AWS + "lambda/permission.go (ForceNew: every argument)",
    ),
    "aws:sqs/queue:Queue": (("name", "namePrefix", "fifoQueue"), TF_AWS + "sqs/queue.go (ForceNew)"),
    "aws:sqs/queuePolicy:QueuePolicy": (("queueUrl",), TF_AWS + "sqs/queue_policy.go (ForceNew)"),
    "aws:cloudwatch/eventRule:EventRule": (
        ("name", "namePrefix", "eventBusName"),
        TF_AWS + "events/rule.go (ForceNew)",
    ),
    "aws:cloudwatch/eventTarget:EventTarget": (
        ("rule", "targetId", "eventBusName"),
        TF_AWS + "events/target.go (ForceNew)",
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        ("name", "namePrefix", "logGroupClass"),
        TF_AWS + "logs/group.go (ForceNew)",
    ),
    "aws:kms/key:Key": (
        ("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"),
        TF_AWS + "kms/key.go (ForceNew)",
    ),
    "aws:route53/record:Record": (("zoneId", "name"), TF_AWS + "route53/record.go (ForceNew)"),
    "aws:ec2/vpcEndpointService:VpcEndpointService": ((), TF_AWS + "ec2/vpc_endpoint_service.go"),
    "gcp:compute/instance:Instance": (
        (
            "name",
            "zone",
            "project",
            "bootDisk",
            "canIpForward",
            "hostname",
            "networkInterfaces.network",
            "networkInterfaces.subnetwork",
            "networkInterfaces.subnetworkProject",
            "networkInterfaces.networkIp",
            "scratchDisks",
            "guestAccelerators",
        ),
        TF_GOOGLE + "compute/resource_compute_instance.go (ForceNew; machine type, service account and "
        "metadata update in place, stopping the VM when allowStoppingForUpdate)",
    ),
    "gcp:compute/firewall:Firewall": (
        ("name", "network", "project", "direction"),
        TF_GOOGLE + "compute/resource_compute_firewall.go (immutable fields)",
    ),
    "gcp:compute/route:Route": (
        ("*",),
        TF_GOOGLE + "compute/resource_compute_route.go (every field immutable)",
    ),
    "gcp:compute/address:Address": (
        (
            "name",
            "address",
            "addressType",
            "region",
            "project",
            "networkTier",
            "subnetwork",
            "purpose",
            "network",
        ),
        TF_GOOGLE + "compute/resource_compute_address.go (immutable fields; labels update)",
    ),
    "gcp:secretmanager/secret:Secret": (
        ("secretId", "replication", "project"),
        TF_GOOGLE + "secretmanager/resource_secret_manager_secret.go (immutable fields)",
    ),
    "gcp:secretmanager/secretVersion:SecretVersion": (
        ("secret", "secretData"),
        TF_GOOGLE + "secretmanager/resource_secret_manager_secret_version.go (immutable fields)",
    ),
    "gcp:secretmanager/secretIamMember:SecretIamMember": (
        ("*",),
        TF_GOOGLE + "tpgiamresource/resource_iam_member.go (every field ForceNew)",
    ),
    "gcp:compute/disk:Disk": (
        ("name", "zone", "project", "image", "snapshot", "sourceDisk", "diskEncryptionKey"),
        TF_GOOGLE + "compute/resource_compute_disk.go (ForceNew; size grows in place)",
    ),
    "gcp:compute/attachedDisk:AttachedDisk": (
        ("*",),
        TF_GOOGLE + "compute/resource_compute_attached_disk.go (every field ForceNew)",
    ),
    "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": (
        ("*",),
        TF_GOOGLE + "compute/resource_compute_disk_resource_policy_attachment.go (every field immutable)",
    ),
    "gcp:compute/resourcePolicy:ResourcePolicy": (
        ("*",),
        TF_GOOGLE + "compute/resource_compute_resource_policy.go (no update method: every field immutable)",
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": (
        ("project",),
        TF_GOOGLE + "monitoring/resource_monitoring_alert_policy.go (updates in place)",
    ),
    "gcp:projects/iAMMember:IAMMember": (
        ("*",),
        TF_GOOGLE + "tpgiamresource/resource_iam_member.go (every field ForceNew)",
    ),
    "gcp:serviceaccount/account:Account": (
        ("accountId", "project"),
        TF_GOOGLE + "resourcemanager/resource_google_service_account.go (ForceNew)",
    ),
    "azure-native:network:VirtualNetworkPeering": (
        ("resourceGroupName", "virtualNetworkName", "virtualNetworkPeeringName"),
        "azure-native: a change of a resource's URL path parameters replaces it",
    ),
    "azure-native:authorization:RoleAssignment": (
        ("scope", "roleAssignmentName", "principalId", "roleDefinitionId", "principalType"),
        "azure-native: path parameters; Azure role assignments cannot be updated (learn.microsoft.com "
        "Role Assignments - Create: 'Role assignment update is not permitted')",
    ),
    "azure-native:authorization:RoleDefinition": (
        ("scope", "roleDefinitionId"),
        "azure-native: a change of a resource's URL path parameters replaces it",
    ),
}

EVERY_INPUT_PREFIXES: dict[str, str] = {
    "tls:": "pulumi-tls: every argument of its resources forces a new resource (terraform-provider-tls)",
    "random:": "pulumi-random: every argument (and keepers) forces a new value (terraform-provider-random)",
}

_SDK_FORCES = re.compile(r"forces? (?:a )?new resource", re.IGNORECASE)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@cache
def from_sdk(resource_type: str) -> tuple[str, ...]:
    """Properties whose docstring in the installed SDK says a change forces a new resource."""
    try:
        package, rest = resource_type.split(":", 1)
        module_path, class_name = rest.split(":")
        module_dir, file_name = module_path.split("/")
    except ValueError:
        return ()
    sdk = "pulumi_" + package.replace("-", "_")
    module_dir = module_dir + "_" if module_dir in ("lambda",) else module_dir
    try:
        module = importlib.import_module(f"{sdk}.{module_dir}.{_snake(file_name)}")
    except ImportError:
        return ()
    args_class = getattr(module, f"{class_name}Args", None)
    if args_class is None:
        return ()
    found = []
    for attr, value in vars(args_class).items():
        if not isinstance(value, property) or value.fget is None:
            continue
        if _SDK_FORCES.search(value.fget.__doc__ or ""):
            found.append(getattr(value.fget, "_pulumi_name", None) or attr)
    return tuple(sorted(found))


def forcing(resource_type: str) -> tuple[tuple[str, ...], str]:
    """(properties that force replacement, source) for a type; ``("*",)`` means every input."""
    for prefix, source in EVERY_INPUT_PREFIXES.items():
        if resource_type.startswith(prefix):
            return ("*",), source
    listed, source = FORCE_NEW.get(resource_type, ((), ""))
    if "*" in listed:
        return ("*",), source
    sdk = from_sdk(resource_type)
    if sdk:
        source = (source + "; " if source else "") + "installed SDK docstrings ('forces a new resource')"
    return tuple(sorted(set(listed) | set(sdk))), source


def replaces(resource_type: str, path: str) -> bool:
    """Does a change at ``path`` (``networkInterfaces[0].networkIp``) replace the resource?"""
    if path == "(provider)":
        return True  # a resource moved to another provider (account, region) is created anew
    if path.startswith("("):
        return False
    props, _ = forcing(resource_type)
    if "*" in props:
        return True
    bare = re.sub(r"\[\d+\]", "", path)
    return any(bare == p or bare.startswith(p + ".") for p in props)
