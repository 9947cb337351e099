"""Valid OpenVpnGateway inputs for the tests: one place, imported by every gateway test."""

from __future__ import annotations

from typing import Any

# OpenSSH public keys in authorized_keys form (what ssh-keyscan prints after the host name).
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ"
JUMP_KEY = (
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5"
    "YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg= root@bastion"
)


def gateway_args(**over: Any) -> dict[str, Any]:
    """The required inputs (two clients: a site with a LAN and a road warrior), plus ``over``."""
    return {
        "project": "crossnet-test",
        "region": "europe-west1",
        "zone": "europe-west1-b",
        "network": "vpc",
        "subnetwork": "sub",
        "gcp_cidrs": ["10.20.0.0/24"],
        "clients": {"site-a": ["192.168.50.0/24"], "laptop": []},
        "allowed_source_ranges": ["203.0.113.0/24"],
        **over,
    }


def onprem_ssh(**over: Any) -> dict[str, Any]:
    """SSH to the site-a gateway, host key pinned."""
    return {
        "host": "192.168.50.1",
        "user": "admin",
        "private_key": "KEY",
        "host_key": HOST_KEY,
        "client": "site-a",
        **over,
    }
