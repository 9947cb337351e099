"""What both GCP components share: the hardened VM, secrets for its service account, the PKI, SSH to on-prem.

Stable helpers (their signatures do not change without telling both components' owners):

``issue_ca(parent, component, key, *, common_name, hours=CA_HOURS, early_renewal_hours=None) -> Issued``
    A self-signed P-256 CA: ``tls.PrivateKey`` ``<component>-<key>-key`` and
    ``tls.SelfSignedCert`` ``<component>-<key>`` (cert_signing, crl_signing).
``issue_certificate(parent, component, key, *, common_name, ca_cert_pem, ca_private_key_pem, uses,
hours=CERT_HOURS, early_renewal_hours=None) -> Issued``
    A P-256 key ``<component>-<key>-key``, its CSR ``<component>-<key>-csr`` and a certificate
    ``<component>-<key>-cert`` signed by the given CA (digital_signature, key_agreement plus ``uses``,
    e.g. ``["client_auth"]``). The CA may be an ``Issued`` of ``issue_ca`` or one the caller accepts
    (``Input[str]`` PEMs). ``early_renewal_hours``: the certificate is replaced by the first
    ``pulumi up`` inside that window before it expires (pulumi_tls ``ready_for_renewal``).
``Issued``: NamedTuple ``(key, cert)`` of the two resources; ``.cert_pem``, ``.private_key_pem``
    (the key as a secret Output).
``check_ssh(problems, value, prefix, extra_keys=()) -> None``
    Validates an ``SshConnectionArgs`` mapping (fields named ``<prefix>.<key>``): the SSH host key
    (and ``jump_host_key`` with a ``jump_host``) is required unless ``allow_unknown_host_key`` is
    true, because pulumi_command skips host key verification when none is given.
``ssh_script(parent, resource_name, ssh, *, script, undo, depends_on=()) -> remote.Command``
    Runs ``script`` (fed on stdin) as root on the host on create and again whenever it changes
    (an update, never a replacement), and ``undo`` as root when the resource is deleted, so a
    destroy or a removed input takes back what ``script`` applied. Logs stderr only.
``sudo_shell(user)``, ``service_account_id(component, role)``, ``gcp_name(component, *keys)``,
``secret_for(...)``, ``hardened_vm(...)``: see their docstrings.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, NotRequired, TypedDict

import pulumi

from ..naming import child, slug
from ..validation import Problems, unknown_keys

GCP_NAME = r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?"
DEFAULT_IMAGE = "debian-cloud/debian-12"
SECRET_ACCESSOR = "roles/secretmanager.secretAccessor"  # noqa: S105 - an IAM role name
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


CA_HOURS = 24 * 365 * 10
CERT_HOURS = 24 * 365 * 5
HOST = r"[A-Za-z0-9.:-]+"
# An OpenSSH public key as ``ssh-keyscan`` prints it after the host name (authorized_keys form,
# which pulumi_command parses for ``host_key``): the key type, base64, an optional comment.
SSH_PUBLIC_KEY = (
    r"(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com"
    r"|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?"
)
HOST_KEY_ALLOWED = (
    "the host's SSH public key as `ssh-keyscan -t ed25519 <host>` prints it after the host name "
    "(e.g. 'ssh-ed25519 AAAA...'); or set allow_unknown_host_key: true to connect without checking it"
)


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
    host_key: NotRequired[str]
    """The host's SSH public key (``ssh-ed25519 AAAA...``); required unless ``allow_unknown_host_key``."""
    jump_host: NotRequired[str]
    """Bastion to connect through (same user and key) [none]."""
    jump_host_key: NotRequired[str]
    """The bastion's SSH public key; required with ``jump_host`` unless ``allow_unknown_host_key``."""
    allow_unknown_host_key: NotRequired[bool]
    """Connect without verifying the host keys (open to a man in the middle) [false]."""


SSH_KEYS = tuple(SshConnectionArgs.__annotations__)


def check_ssh(problems: Problems, value: Any, prefix: str, extra_keys: Sequence[str] = ()) -> None:
    """Validate an SshConnectionArgs mapping, naming fields ``<prefix>.<key>``.

    ``extra_keys``: keys the caller's own TypedDict adds (and checks itself).
    """
    if not isinstance(value, dict):
        if problems.plain(value, prefix):
            problems.add(prefix, value, "a mapping with host, user, private_key and host_key")
        return
    unknown_keys(value, (*SSH_KEYS, *extra_keys), problems, prefix + ".")
    problems.string(
        problems.require(value, "host", prefix + "."), f"{prefix}.host", HOST, "a host name or IP address"
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
    insecure = value.get("allow_unknown_host_key", False)
    problems.boolean(insecure, f"{prefix}.allow_unknown_host_key")
    if "jump_host" in value:
        problems.string(value["jump_host"], f"{prefix}.jump_host", HOST, "a host name or IP address")
    wanted = ["host_key", "jump_host_key"] if "jump_host" in value else ["host_key"]
    for field in ("host_key", "jump_host_key"):
        given = value.get(field)
        if given is None and field in wanted and insecure is not True:
            problems.add(f"{prefix}.{field}", None, HOST_KEY_ALLOWED)
        elif given is not None:
            problems.string(
                given.strip() if isinstance(given, str) else given,
                f"{prefix}.{field}",
                SSH_PUBLIC_KEY,
                HOST_KEY_ALLOWED,
            )
    if "jump_host_key" in value and "jump_host" not in value:
        problems.add(f"{prefix}.jump_host_key", value["jump_host_key"], "only together with jump_host")


def connection(ssh: SshConnectionArgs) -> Any:
    """``remote.ConnectionArgs`` for a validated SshConnectionArgs (host keys pinned when given)."""
    from pulumi_command import remote

    proxy = None
    jump = ssh.get("jump_host")
    if jump:
        proxy = remote.ProxyConnectionArgs(
            host=jump,
            user=ssh["user"],
            private_key=pulumi.Output.secret(ssh["private_key"]),
            host_key=_strip(ssh.get("jump_host_key")),
        )
    return remote.ConnectionArgs(
        host=ssh["host"],
        user=ssh["user"],
        port=ssh.get("port", 22),
        private_key=pulumi.Output.secret(ssh["private_key"]),
        host_key=_strip(ssh.get("host_key")),
        proxy=proxy,
    )


def _strip(value: str | None) -> str | None:
    return value.strip() if value is not None else None


def ssh_script(
    parent: pulumi.Resource,
    resource_name: str,
    ssh: SshConnectionArgs,
    *,
    script: pulumi.Input[str],
    undo: pulumi.Input[str],
    depends_on: Sequence[pulumi.Resource] = (),
) -> Any:
    """A ``remote.Command`` that applies ``script`` as root and takes it back with ``undo``.

    ``script`` goes on stdin of ``bash -s`` (``sudo -n`` unless the user is root) on create
    and, as an update, whenever it changes. ``undo`` runs on delete as a ``bash -c`` argument
    with stdin from /dev/null (pulumi_command feeds every command the same stdin, which
    holds ``script``). ``delete_before_replace``: should the resource ever be replaced (a
    new host), the old host is cleaned before the new one is set up.
    """
    from pulumi_command import remote

    shell = "bash" if ssh["user"] == "root" else "sudo -n bash"
    text = pulumi.Output.from_input(script)
    run = sudo_shell(ssh["user"])
    return remote.Command(
        resource_name,
        connection=connection(ssh),
        create=run,
        update=run,
        delete=pulumi.Output.from_input(undo).apply(lambda u: f"{shell} -c {shlex.quote(u)} < /dev/null"),
        stdin=text,
        triggers=[text.apply(lambda t: hashlib.sha256(t.encode()).hexdigest())],
        logging=remote.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on), delete_before_replace=True),
    )


class Issued(NamedTuple):
    """A private key and its certificate (two ``pulumi_tls`` resources)."""

    key: Any
    cert: Any

    @property
    def cert_pem(self) -> pulumi.Output[str]:
        return self.cert.cert_pem

    @property
    def private_key_pem(self) -> pulumi.Output[str]:
        return pulumi.Output.secret(self.key.private_key_pem)


def issue_ca(
    parent: pulumi.Resource,
    component: str,
    key: str,
    *,
    common_name: str,
    hours: int = CA_HOURS,
    early_renewal_hours: int | None = None,
) -> Issued:
    """A self-signed P-256 certificate authority for ``component``."""
    import pulumi_tls as tls

    opts = pulumi.ResourceOptions(parent=parent)
    private = tls.PrivateKey(child(component, key, "key"), algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
    cert = tls.SelfSignedCert(
        child(component, key),
        private_key_pem=private.private_key_pem,
        is_ca_certificate=True,
        subject=tls.SelfSignedCertSubjectArgs(common_name=common_name, organization="crossnet"),
        validity_period_hours=hours,
        early_renewal_hours=early_renewal_hours,
        allowed_uses=["cert_signing", "crl_signing"],
        opts=opts,
    )
    return Issued(private, cert)


def issue_certificate(
    parent: pulumi.Resource,
    component: str,
    key: str,
    *,
    common_name: str,
    ca_cert_pem: pulumi.Input[str],
    ca_private_key_pem: pulumi.Input[str],
    uses: Sequence[str],
    hours: int = CERT_HOURS,
    early_renewal_hours: int | None = None,
) -> Issued:
    """A P-256 key and a certificate for ``common_name`` signed by the given CA."""
    import pulumi_tls as tls

    opts = pulumi.ResourceOptions(parent=parent)
    private = tls.PrivateKey(child(component, key, "key"), algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
    request = tls.CertRequest(
        child(component, key, "csr"),
        private_key_pem=private.private_key_pem,
        subject=tls.CertRequestSubjectArgs(common_name=common_name, organization="crossnet"),
        opts=opts,
    )
    cert = tls.LocallySignedCert(
        child(component, key, "cert"),
        cert_request_pem=request.cert_request_pem,
        ca_private_key_pem=pulumi.Output.secret(ca_private_key_pem),
        ca_cert_pem=ca_cert_pem,
        validity_period_hours=hours,
        early_renewal_hours=early_renewal_hours,
        allowed_uses=["digital_signature", "key_agreement", *uses],
        opts=opts,
    )
    return Issued(private, cert)


def sudo_shell(user: str) -> str:
    """The command that runs a script given on stdin as root."""
    return "bash -s" if user == "root" else "sudo -n bash -s"


def stack_suffix() -> str:
    """The Pulumi stack's name as a name part: what keeps two stacks in one project apart."""
    return re.sub(r"[^a-z0-9]+", "-", pulumi.get_stack().lower()).strip("-") or "stack"


def scoped(component: str) -> str:
    """``<component>-<stack>``: the prefix of every explicit cloud-side name (issue 17 item 9:
    secret ids, service account ids and route names are unique per project, not per stack)."""
    return f"{component}-{stack_suffix()}"


COMPONENT_NAME = r"[a-z]([-a-z0-9]*[a-z0-9])?"
SERVICE_ACCOUNT_ID = r"[a-z]([-a-z0-9]{4,28})[a-z0-9]"


def check_component_name(problems: Problems, field: str, component: str, roles: Sequence[str]) -> None:
    """The component's name (with the stack's) must make valid GCP names: an RFC 1035 label for
    the auto-named resources, and a 6-30 character service account id for each ``role``.
    The problem is named ``field`` and shows the component and stack names, which are what to shorten.
    """
    if not isinstance(component, str) or re.fullmatch(COMPONENT_NAME, component) is None:
        problems.add(
            field,
            component,
            "a component name GCP can use in resource names: lowercase letters, digits and inner hyphens, "
            "starting with a letter",
        )
        return
    for role in roles:
        account = f"{scoped(component)}-{role}"
        if re.fullmatch(SERVICE_ACCOUNT_ID, account) is None:
            problems.add(
                field,
                f"{component!r} in stack {pulumi.get_stack()!r}",
                f"a service account id '{account}' ({len(account)} chars) is too long: GCP allows 6-30; "
                "shorten the component name or the stack name",
            )


def service_account_id(component: str, role: str) -> str:
    """``<component>-<stack>-<role>``: a service-account id (6-30 chars) unique per stack.

    ``check_component_name`` refuses names that do not fit; should one reach here anyway it
    is shortened with a hash of the full id, so the id stays valid and deterministic.
    """
    candidate = f"{scoped(component)}-{role}"
    if re.fullmatch(SERVICE_ACCOUNT_ID, candidate):
        return candidate
    base = re.sub(r"[^a-z0-9-]+", "-", slug(component)).strip("-") or "crossnet"
    if not base[0].isalpha():
        base = "x" + base
    short = hashlib.sha256(candidate.encode()).hexdigest()[:6]
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
        secret_id=f"{scoped(component)}-{slug(key)}".replace(".", "-"),
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
