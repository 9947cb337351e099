"""Pure renderers for the OpenVPN gateway: plain values in, text out.

The component renders with these, and the integration test runs Debian's
OpenVPN on exactly this text. Paths on the gateway are parameters
(``config_dir``), so a test can place the same files in a temporary directory
without editing the rendered text.
"""

from __future__ import annotations

import hashlib
import ipaddress
import shlex
import ssl
from collections.abc import Mapping, Sequence

DEFAULT_CONFIG_DIR = "/etc/openvpn/server/crossnet"
DEFAULT_STATUS_PATH = "/run/openvpn-server/crossnet-status.log"
DATA_CIPHERS = "AES-256-GCM:CHACHA20-POLY1305"
STATIC_KEY_BYTES = 256

# Files under config_dir (relative paths)
CA_CERT = "pki/ca.crt"
SERVER_CERT = "pki/server.crt"
SERVER_KEY = "pki/server.key"
TLS_CRYPT_KEY = "pki/tls-crypt.key"
CCD_DIR = "ccd"
PEER_FINGERPRINTS = "peer-fingerprints.conf"
FORWARD_RULES = "forward.nft"

TUN_DEVICE = "tun-crossnet"  # a fixed name, so the forwarding rules can match it
# GCE's images set net.ipv4.ip_forward = 0 in /etc/sysctl.d/60-gce-network-security.conf; files
# are applied in name order, so ours must sort after it to survive a reboot.
SYSCTL_FILE = "/etc/sysctl.d/99-crossnet-forward.conf"
OLD_SYSCTL_FILE = "/etc/sysctl.d/60-crossnet-forward.conf"
# A GCP VPC's MTU is 1460 by default: tunnelled TCP segments are sized so that the encrypted
# UDP packet, IP and UDP headers included ("mtu", OpenVPN 2.6), fits without fragmenting.
MSSFIX = "mssfix 1460 mtu"
# Certificates are re-issued by the first `pulumi up` inside these windows before they expire
# (pulumi_tls early_renewal_hours); the VM picks the new ones up through the metadata watcher.
RENEW_DAYS = 90
CA_RENEW_DAYS = 180


def netmask(cidr: str) -> str:
    """``"192.168.50.0/24"`` -> ``"192.168.50.0 255.255.255.0"`` (OpenVPN's route syntax)."""
    net = ipaddress.IPv4Network(cidr)
    return f"{net.network_address} {net.netmask}"


def static_key(hex_bytes: str) -> str:
    """An OpenVPN static key (``tls-crypt``) file from 256 random bytes given as hex.

    The layout is the one ``openvpn --genkey secret`` writes: 16 lines of 32 hex digits.
    """
    text = hex_bytes.strip().lower()
    if len(text) != STATIC_KEY_BYTES * 2 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(
            f"an OpenVPN static key takes {STATIC_KEY_BYTES} bytes as hex; got {len(text)} chars"
        )
    lines = [text[i : i + 32] for i in range(0, len(text), 32)]
    return "\n".join(
        [
            "#",
            "# 2048 bit OpenVPN static key",
            "#",
            "-----BEGIN OpenVPN Static key V1-----",
            *lines,
            "-----END OpenVPN Static key V1-----",
            "",
        ]
    )


def server_conf(
    *,
    vpn_cidr: str,
    gcp_cidrs: Sequence[str],
    clients: Mapping[str, Sequence[str]],
    port: int = 1194,
    protocol: str = "udp",
    client_to_client: bool = False,
    config_dir: str = DEFAULT_CONFIG_DIR,
    status_path: str = DEFAULT_STATUS_PATH,
) -> str:
    """The gateway's ``server.conf`` (OpenVPN 2.6), key material referenced by path under ``config_dir``.

    ``ccd-exclusive`` admits only clients with a file in the client-config-dir, and the
    included :func:`peer_fingerprints` file only the current client certificates, so a removed
    client is refused although its certificate is still valid, also after its name is re-added.
    """
    lines = [
        "# crossnet OpenVpnGateway server configuration (rendered; do not edit on the VM)",
        f"port {port}",
        f"proto {protocol}",
        f"dev {TUN_DEVICE}",
        "topology subnet",
        f"server {netmask(vpn_cidr)}",
        f"ca {config_dir}/{CA_CERT}",
        f"cert {config_dir}/{SERVER_CERT}",
        f"key {config_dir}/{SERVER_KEY}",
        "dh none",
        f"tls-crypt {config_dir}/{TLS_CRYPT_KEY}",
        "tls-version-min 1.2",
        "remote-cert-tls client",
        f"data-ciphers {DATA_CIPHERS}",
        f"client-config-dir {config_dir}/{CCD_DIR}",
        "ccd-exclusive",
        # the SHA-256 fingerprints of the current clients' certificates: a removed client's
        # certificate stays refused even if its name (its CN) is added again
        f"config {config_dir}/{PEER_FINGERPRINTS}",
    ]
    if protocol == "udp":
        lines.append(MSSFIX)
    if client_to_client:
        lines.append("client-to-client")
    lines += [f'push "route {netmask(c)}"' for c in gcp_cidrs]
    for name in sorted(clients):
        if clients[name]:
            lines.append(f"# LANs behind {name}")
            lines += [f"route {netmask(c)}" for c in clients[name]]
    lines += [
        "keepalive 10 60",
        "persist-key",
        "persist-tun",
        "user nobody",
        "group nogroup",
        f"status {status_path} 10",
        "status-version 2",
        "verb 3",
    ]
    if protocol == "udp":
        lines.append("explicit-exit-notify 1")
    return "\n".join(lines) + "\n"


def client_config(name: str, clients: Mapping[str, Sequence[str]], client_to_client: bool = False) -> str:
    """The client-config-dir file for one client: ``iroute`` for the LAN behind it.

    With ``client_to_client`` the other sites' LANs are pushed to this client too.
    """
    lines = [f"# crossnet: VPN client {name}"]
    lines += [f"iroute {netmask(c)}" for c in clients.get(name, [])]
    if client_to_client:
        for other in sorted(clients):
            if other != name:
                lines += [f'push "route {netmask(c)}"' for c in clients[other]]
    return "\n".join(lines) + "\n"


def client_profile(
    *,
    server_name: str,
    remote: str,
    port: int = 1194,
    protocol: str = "udp",
    ca_pem: str,
    cert_pem: str,
    key_pem: str,
    tls_crypt_key: str,
) -> str:
    """An inline ``.ovpn`` profile: everything a client needs in one file (a secret)."""
    lines = [
        "# crossnet OpenVpnGateway client profile (contains a private key)",
        "client",
        "dev tun",
        f"proto {protocol}",
        f"remote {remote} {port}",
        "resolv-retry infinite",
        "nobind",
        "persist-key",
        "persist-tun",
        "remote-cert-tls server",
        f"verify-x509-name {server_name} name",
        "tls-version-min 1.2",
        f"data-ciphers {DATA_CIPHERS}",
        "verb 3",
    ]
    if protocol == "udp":
        lines.append(MSSFIX)
    for tag, body in (("ca", ca_pem), ("cert", cert_pem), ("key", key_pem), ("tls-crypt", tls_crypt_key)):
        lines += [f"<{tag}>", body.strip(), f"</{tag}>"]
    return "\n".join(lines) + "\n"


def certificate_fingerprint(cert_pem: str) -> str:
    """The SHA-256 fingerprint of a PEM certificate as OpenVPN writes it (``AB:CD:...``)."""
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert_pem.strip() + "\n")).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def peer_fingerprints(client_certs: Mapping[str, str]) -> str:
    """The server's allow-list of client certificates (``<peer-fingerprint>``), client name -> PEM.

    OpenVPN checks it in addition to the CA: a certificate must be signed by the CA and be
    one of these.
    """
    lines = ["# crossnet: the certificates of the current VPN clients (rendered)", "<peer-fingerprint>"]
    for name in sorted(client_certs):
        lines += [f"# {name}", certificate_fingerprint(client_certs[name])]
    lines.append("</peer-fingerprint>")
    return "\n".join(lines) + "\n"


def forward_rules(*, client_to_client: bool, device: str = TUN_DEVICE) -> str:
    """nftables rules for the gateway's forwarding (loaded with ``nft -f``; idempotent).

    Without ``client_to_client`` a packet from the tunnel back into the tunnel (client to
    client, or to another site's LAN) is dropped; tunnel to GCP and back is forwarded.
    """
    verdict = "accept" if client_to_client else "drop"
    return "\n".join(
        [
            "# crossnet OpenVpnGateway forwarding rules (rendered)",
            "table inet crossnet_vpn",
            "delete table inet crossnet_vpn",
            "table inet crossnet_vpn {",
            "    chain forward {",
            "        type filter hook forward priority filter; policy accept;",
            f'        iifname "{device}" oifname "{device}" {verdict}',
            "    }",
            "}",
            "",
        ]
    )


SECRET_ATTEMPTS = 30
SECRET_RETRY_SECONDS = 10


def fetch_secret_function(
    project: str, attempts: int = SECRET_ATTEMPTS, delay: int = SECRET_RETRY_SECONDS
) -> list[str]:
    """Shell lines defining ``fetch_secret <secret-id> <path>``: the latest version into a
    0600 file, retried (the version or the reader binding may not exist yet when the VM
    boots; IAM changes take a while to apply), failing after ``attempts`` tries."""
    return [
        "fetch_secret() {",
        "  local i",
        f"  for i in $(seq 1 {int(attempts)}); do",
        f"    if (umask 077; gcloud secrets versions access latest --project={shlex.quote(project)} "
        '--secret="$1" > "$2.tmp"); then',
        '      chmod 0600 "$2.tmp"',
        '      mv "$2.tmp" "$2"',
        "      return 0",
        "    fi",
        f'    echo "crossnet: secret $1 not readable yet (attempt $i/{int(attempts)})" >&2',
        f"    sleep {int(delay)}",
        "  done",
        '  rm -f "$2.tmp"',
        '  echo "crossnet: could not read secret $1" >&2',
        "  return 1",
        "}",
    ]


def heredoc(path: str, body: str, mode: str, marker: str = "CROSSNET_EOF", quote: bool = True) -> list[str]:
    """Shell lines writing ``body`` to ``path`` with ``mode`` (created with the mode before the content)."""
    if marker in body:
        raise ValueError(f"file content for {path} contains the heredoc marker")
    target = shlex.quote(path) if quote else path
    return [
        f"install -m {mode} /dev/null {target}",
        f"cat > {target} <<'{marker}'",
        body.rstrip("\n"),
        marker,
    ]


def startup_script(
    *,
    project: str,
    server_config: str,
    client_configs: Mapping[str, str],
    ca_pem: str,
    server_cert_pem: str,
    server_key_secret: str,
    tls_crypt_secret: str,
    client_certs: Mapping[str, str],
    client_to_client: bool,
    config_dir: str = DEFAULT_CONFIG_DIR,
) -> str:
    """The VM's startup script: installs OpenVPN, writes the config, fetches keys, starts the server.

    Private keys are not in the script: it reads them from Secret Manager with the
    VM's own service account (``server_key_secret`` and ``tls_crypt_secret`` are
    secret ids). The client-config-dir is rebuilt from scratch, so removed clients
    lose their file. The script also installs a watcher that re-runs it when the
    instance's ``startup-script`` metadata changes (adding or revoking a client
    needs no reboot).
    """
    ccd_new = f"{config_dir}/{CCD_DIR}.new"
    out = [
        "#!/bin/bash",
        "# crossnet OpenVpnGateway startup script (rendered)",
        "set -euo pipefail",
        "umask 077",
        "export DEBIAN_FRONTEND=noninteractive",
        "if ! command -v openvpn >/dev/null || ! command -v nft >/dev/null; then",
        "  apt-get update -q",
        "  apt-get install -y -q openvpn nftables",
        "fi",
        f"rm -f {OLD_SYSCTL_FILE}",
        f"echo 'net.ipv4.ip_forward = 1' > {SYSCTL_FILE}",
        "sysctl -w net.ipv4.ip_forward=1",
        f"install -d -m 0755 {shlex.quote(config_dir)} {shlex.quote(config_dir + '/pki')}",
        *fetch_secret_function(project),
        f"fetch_secret {shlex.quote(server_key_secret)} {shlex.quote(config_dir + '/' + SERVER_KEY)}",
        f"fetch_secret {shlex.quote(tls_crypt_secret)} {shlex.quote(config_dir + '/' + TLS_CRYPT_KEY)}",
    ]
    out += heredoc(f"{config_dir}/{CA_CERT}", ca_pem, "0644")
    out += heredoc(f"{config_dir}/{SERVER_CERT}", server_cert_pem, "0644")
    out += heredoc(f"{config_dir}/server.conf", server_config, "0644")
    out += heredoc(f"{config_dir}/{PEER_FINGERPRINTS}", peer_fingerprints(client_certs), "0644")
    out += heredoc(f"{config_dir}/{FORWARD_RULES}", forward_rules(client_to_client=client_to_client), "0644")
    out += [f"nft -f {shlex.quote(config_dir + '/' + FORWARD_RULES)}"]
    out += [f"rm -rf {shlex.quote(ccd_new)}", f"install -d -m 0755 {shlex.quote(ccd_new)}"]
    for name in sorted(client_configs):
        out += heredoc(f"{ccd_new}/{name}", client_configs[name], "0644")
    out += [
        f"rm -rf {shlex.quote(config_dir + '/' + CCD_DIR)}",
        f"mv {shlex.quote(ccd_new)} {shlex.quote(config_dir + '/' + CCD_DIR)}",
        f"ln -sf {shlex.quote(config_dir + '/server.conf')} /etc/openvpn/server/crossnet.conf",
        "systemctl enable openvpn-server@crossnet",
        "systemctl restart openvpn-server@crossnet",
    ]
    out += heredoc("/usr/local/sbin/crossnet-vpn-sync", SYNC_SCRIPT, "0755", marker="CROSSNET_SYNC")
    out += heredoc("/etc/systemd/system/crossnet-vpn-sync.service", SYNC_UNIT, "0644", marker="CROSSNET_UNIT")
    out += ["systemctl daemon-reload", "systemctl enable --now crossnet-vpn-sync.service", ""]
    return "\n".join(out)


SYNC_SCRIPT = r"""#!/bin/bash
# Re-runs the startup script when the instance's startup-script metadata changes.
set -uo pipefail
url='http://metadata.google.internal/computeMetadata/v1/instance/attributes/startup-script'
etag_of() { tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
etag=$(curl -sf -o /dev/null -D - -H 'Metadata-Flavor: Google' "$url" | etag_of)
while true; do
  headers=$(curl -sf -o /dev/null -D - -H 'Metadata-Flavor: Google' \
    "$url?wait_for_change=true&last_etag=${etag:-NONE}&timeout_sec=3600") || { sleep 10; continue; }
  new=$(printf '%s\n' "$headers" | etag_of)
  if [ -n "$new" ] && [ "$new" != "$etag" ]; then
    etag=$new
    google_metadata_script_runner startup || echo "crossnet: startup script failed" >&2
  fi
done
"""

SYNC_UNIT = """[Unit]
Description=crossnet: apply OpenVPN gateway configuration changes from instance metadata
After=network-online.target

[Service]
ExecStart=/usr/local/sbin/crossnet-vpn-sync
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
"""


# The site scripts use apt and Debian's openvpn-client@ unit: a host of another family (RHEL,
# Rocky, Alma, Fedora, SUSE, ...) is refused before anything changes, saying what was found.
SUPPORTED_SITE_OS = [
    "if [ -r /etc/os-release ]; then",
    "  # shellcheck source=/dev/null",
    "  . /etc/os-release",
    "fi",
    'case " ${ID:-} ${ID_LIKE:-} " in',
    '  *" debian "* | *" ubuntu "*) ;;',
    "  *)",
    '    echo "crossnet: the site gateway runs ${PRETTY_NAME:-${ID:-an unknown system}};'
    + " this script supports Debian and Ubuntu only (apt and the openvpn-client@ unit)."
    + ' Install the client profile by hand (see the OpenVpnGateway docs) and leave onprem_ssh unset." >&2',
    "    exit 3",
    "    ;;",
    "esac",
]


def site_install_script(
    *,
    client_name: str,
    profile: str,
    config_dir: str = "/etc/openvpn/client",
    start_command: str | None = None,
) -> str:
    """Installs a site client's profile on the on-premises gateway and (re)starts its tunnel.

    Debian and Ubuntu only: another OS family is refused before any change, naming it.
    Idempotent: rewriting the same profile and restarting is harmless. By default the
    tunnel runs as the ``openvpn-client@<name>`` systemd unit and IP forwarding is
    persisted; ``start_command`` replaces that part (``$CONF`` holds the profile's
    path), which is how the integration test runs it inside a network namespace.
    """
    conf = f"{config_dir}/{client_name}.conf"
    out = [
        "#!/bin/bash",
        f"# crossnet: install the VPN site client {client_name} (rendered)",
        "set -euo pipefail",
        "umask 077",
        *SUPPORTED_SITE_OS,
        "if ! command -v openvpn >/dev/null; then",
        "  export DEBIAN_FRONTEND=noninteractive",
        "  apt-get update -q",
        "  apt-get install -y -q openvpn",
        "fi",
        f"install -d -m 0755 {shlex.quote(config_dir)}",
        f"CONF={shlex.quote(conf)}",
    ]
    out += heredoc('"$CONF.new"', profile, "0600", quote=False)
    out += ['mv "$CONF.new" "$CONF"', "sysctl -w net.ipv4.ip_forward=1"]
    if start_command is None:
        out += [
            f"echo 'net.ipv4.ip_forward = 1' > {site_sysctl_path(client_name)}",
            f"systemctl enable openvpn-client@{client_name}",
            f"systemctl restart openvpn-client@{client_name}",
        ]
    else:
        out.append(start_command)
    return "\n".join(out) + "\n"


def site_uninstall_script(*, client_name: str, config_dir: str = "/etc/openvpn/client") -> str:
    """Undoes :func:`site_install_script`: stops the tunnel, removes its profile and sysctl file.

    The running ``ip_forward`` value is left alone (other routing on the host may need it);
    the next boot no longer turns it on for this tunnel.
    """
    unit = f"openvpn-client@{client_name}"
    return (
        "\n".join(
            [
                "set -eu",
                f"systemctl disable --now {unit} 2>/dev/null || true",
                f"rm -f {shlex.quote(f'{config_dir}/{client_name}.conf')}",
                f"rm -f {shlex.quote(site_sysctl_path(client_name))}",
            ]
        )
        + "\n"
    )


def site_sysctl_path(client_name: str) -> str:
    """The site gateway's sysctl file for one tunnel (sorts after distribution defaults)."""
    return f"/etc/sysctl.d/99-crossnet-vpn-{client_name}.conf"
