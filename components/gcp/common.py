"""What both GCP components share: the hardened VM, secrets for its service account, SSH to on-prem."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
import re
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ..naming import child, slug
from ..validation import Problems

GCP_NAME = r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?"
DEFAULT_IMAGE = "debian-cloud/debian-12"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"  # noqa: S105 - an IAM role name
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


class SshConnectionArgs(TypedDict):
    """How ``pulumi_command`` reaches an on-premises host over SSH."""

    host: str
    """Address or name of the host."""
    user: str
    """Login user: root, or a user with passwordless sudo."""
    private_key: pulumi.Input[str]
    """SSH private key (pass a secret)."""
    port: NotRequired[int]
    """SSH port [22]."""
    jump_host: NotRequired[str]
    """Bastion to connect through (same user and key) [none]."""
    host_key: NotRequired[str]
    """Expected host public key; unset means the host key is not checked."""


SSH_KEYS = ("host", "user", "private_key", "port", "jump_host", "host_key")


def check_ssh(problems: Problems, value: Any, prefix: str) -> None:
    """Validate an SshConnectionArgs dict, naming fields ``<prefix>.<key>``."""
    if not isinstance(value, dict):
        problems.add(prefix, value, "a mapping with host, user and private_key")
        return
    from ..validation import unknown_keys

    unknown_keys(value, SSH_KEYS, problems, prefix + ".")
    problems.string(
        problems.require(value, "host", prefix + "."),
        f"{prefix}.host",
        r"[A-Za-z0-9.:-]+",
        "a host name or IP address",
    )
    problems.string(
        problems.require(value, "user", prefix + "."),
        f"{prefix}.user",
        r"[a-z_][a-z0-9_.-]{0,31}",
        "a POSIX user name",
    )
    key = problems.require(value, "private_key", prefix + ".")
    if key is not None and not isinstance(key, pulumi.Output):
        problems.string(key, f"{prefix}.private_key", allowed="an SSH private key (PEM/OpenSSH text)")
    if "port" in value:
        problems.integer(value["port"], f"{prefix}.port", 1, 65535)
    if "jump_host" in value:
        problems.string(
            value["jump_host"], f"{prefix}.jump_host", r"[A-Za-z0-9.:-]+", "a host name or IP address"
        )


def connection(ssh: SshConnectionArgs) -> Any:
    from pulumi_command import remote

    proxy = None
    jump = ssh.get("jump_host")
    if jump:
        proxy = remote.ProxyConnectionArgs(
            host=jump, user=ssh["user"], private_key=pulumi.Output.secret(ssh["private_key"])
        )
    return remote.ConnectionArgs(
        host=ssh["host"],
        user=ssh["user"],
        port=ssh.get("port", 22),
        private_key=pulumi.Output.secret(ssh["private_key"]),
        host_key=ssh.get("host_key"),
        proxy=proxy,
    )


def sudo_shell(user: str) -> str:
    """The command that runs a script given on stdin as root."""
    return "bash -s" if user == "root" else "sudo -n bash -s"


def service_account_id(component: str, role: str) -> str:
    """A service-account id (6-30 chars, ``[a-z][-a-z0-9]*[a-z0-9]``) stable for the component."""
    base = re.sub(r"[^a-z0-9-]+", "-", slug(component)).strip("-") or "crossnet"
    if not base[0].isalpha():
        base = "x" + base
    candidate = f"{base}-{role}"
    if len(candidate) <= 30 and len(candidate) >= 6:
        return candidate
    short = hashlib.sha256(component.encode()).hexdigest()[:6]
    return f"{base[: 30 - len(role) - 8].rstrip('-')}-{short}-{role}"


def gcp_name(component: str, *keys: str) -> str:
    """A GCP resource name (``[a-z]([-a-z0-9]*[a-z0-9])?``, at most 63 chars) from stable keys.

    ``<component>-<keys>`` when that fits; otherwise a truncated prefix plus the first
    10 hex digits of a SHA-256 of the component and keys, so it stays deterministic
    and distinct.
    """
    full = re.sub(r"[^a-z0-9-]+", "-", "-".join([component, *keys]).lower())
    full = re.sub(r"-+", "-", full).strip("-") or "crossnet"
    if not full[0].isalpha():
        full = "x-" + full
    if len(full) <= 63:
        return full
    digest = hashlib.sha256("/".join([component, *keys]).encode()).hexdigest()[:10]
    return f"{full[: 63 - 11].rstrip('-')}-{digest}"


def vm_metadata(startup_script: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Instance metadata: OS Login on, project-wide SSH keys blocked, the startup script."""
    return {"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "startup-script": startup_script}


@dataclass(frozen=True)
class SecretParts:
    """A secret and the resources a reader must wait for before it can read it.

    ``version`` and ``reader`` are children of the (custom) ``secret``, and a
    dependency on a custom resource does not cover its children: a VM must
    list ``waits`` in its ``depends_on``.
    """

    secret: Any
    version: Any
    reader: Any

    @property
    def secret_id(self) -> pulumi.Output[str]:
        return self.secret.secret_id

    @property
    def waits(self) -> list[pulumi.Resource]:
        return [self.secret, self.version, self.reader]


def secret_for(
    parent: pulumi.Resource,
    component: str,
    key: str,
    project: str,
    data: pulumi.Input[str],
    reader_email: pulumi.Input[str],
) -> SecretParts:
    """A Secret Manager secret holding ``data``, readable by one service account only.

    The binding is on the secret itself (not the project), so the VM's account
    reads this secret and no other.
    """
    from pulumi_gcp import secretmanager

    opts = pulumi.ResourceOptions(parent=parent)
    secret = secretmanager.Secret(
        child(component, key),
        project=project,
        secret_id=child(component, key).replace(".", "-"),
        replication=secretmanager.SecretReplicationArgs(auto=secretmanager.SecretReplicationAutoArgs()),
        labels={"crossnet-component": slug(component).replace(".", "-")[:63]},
        opts=opts,
    )
    version = secretmanager.SecretVersion(
        child(component, key, "v"),
        secret=secret.id,
        secret_data=pulumi.Output.secret(data),
        opts=pulumi.ResourceOptions(parent=secret),
    )
    reader = secretmanager.SecretIamMember(
        child(component, key, "reader"),
        project=project,
        secret_id=secret.secret_id,
        role=SECRET_ACCESSOR,
        member=pulumi.Output.concat("serviceAccount:", reader_email),
        opts=pulumi.ResourceOptions(parent=secret),
    )
    return SecretParts(secret, version, reader)


def hardened_vm(
    name: str,
    *,
    project: str,
    zone: str,
    machine_type: str,
    disk_gb: int,
    network_interface: Any,
    service_account_email: pulumi.Input[str],
    startup_script: pulumi.Input[str],
    role: str,
    opts: pulumi.ResourceOptions,
    can_ip_forward: bool | None = None,
) -> Any:
    """The VM both components run: Debian, Shielded VM, OS Login, project SSH keys blocked,
    its own service account, the startup script in metadata, labelled with its crossnet role."""
    from pulumi_gcp import compute

    return compute.Instance(
        name,
        project=project,
        zone=zone,
        machine_type=machine_type,
        can_ip_forward=can_ip_forward,
        allow_stopping_for_update=True,
        boot_disk=compute.InstanceBootDiskArgs(
            initialize_params=compute.InstanceBootDiskInitializeParamsArgs(
                image=DEFAULT_IMAGE, size=disk_gb, type="pd-balanced"
            )
        ),
        network_interfaces=[network_interface],
        shielded_instance_config=compute.InstanceShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
        ),
        service_account=compute.InstanceServiceAccountArgs(
            email=service_account_email, scopes=[CLOUD_PLATFORM_SCOPE]
        ),
        metadata=vm_metadata(startup_script),
        labels={"crossnet-role": role},
        opts=opts,
    )
