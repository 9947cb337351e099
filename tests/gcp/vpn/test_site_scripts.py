"""Issue 17 item 10: the on-premises install script (apt-get update, RHEL-family refused) and its undo.

The scripts run for real under bash, in a private mount namespace whose /etc/os-release,
/etc/openvpn and /etc/sysctl.d are test files, with ``systemctl`` and ``apt-get`` stubbed
on PATH (the host's own files and services are never touched).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from components.gcp.vpn import render
from plan.runtime import MockRuntime

STUB = '#!/bin/sh\necho "$(basename "$0") $*" >> "$CALLS"\n'
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
UBUNTU = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n'
ROCKY = 'PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'


def test_the_install_updates_the_package_index_first() -> None:
    script = render.site_install_script(client_name="a", profile="client\n")
    assert "apt-get update" in script
    assert script.index("apt-get update") < script.index("apt-get install")


needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root and unshare for a mount namespace",
)


def run_private(
    tmp_path: Path, script: str, os_release: str, openvpn: bool
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``script`` with /etc/os-release, /etc/openvpn and /etc/sysctl.d replaced by test files."""
    stubs = tmp_path / "bin"
    shutil.rmtree(stubs, ignore_errors=True)
    stubs.mkdir()
    names = ["systemctl", "apt-get", "sysctl", *(["openvpn"] if openvpn else [])]
    for name in names:
        (stubs / name).write_text(STUB)
        (stubs / name).chmod(0o755)
    (tmp_path / "os-release").write_text(os_release)
    for d in ("openvpn", "sysctl.d"):
        (tmp_path / d).mkdir(exist_ok=True)
    (tmp_path / "script.sh").write_text(script)
    calls = tmp_path / "calls"
    calls.write_text("")
    wrapper = "\n".join(
        [
            "set -e",
            f"mount --bind {tmp_path}/os-release /etc/os-release",
            f"mount --bind {tmp_path}/openvpn /etc/openvpn",
            f"mount --bind {tmp_path}/sysctl.d /etc/sysctl.d",
            f"PATH={stubs}:/usr/bin:/bin bash {tmp_path}/script.sh",
        ]
    )
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "bash", "-c", wrapper],
        capture_output=True,
        text=True,
        env={**os.environ, "CALLS": str(calls)},
        timeout=30,
    )
    return result, calls.read_text()


@needs_root
@pytest.mark.parametrize("release", [DEBIAN, UBUNTU])
def test_install_then_undo_on_debian_family(tmp_path: Path, release: str) -> None:
    install = render.site_install_script(client_name="dc1", profile="client\nremote vpn.example 1194\n")
    result, calls = run_private(tmp_path, install, release, openvpn=False)
    assert result.returncode == 0, result.stderr
    assert calls.splitlines()[:2] == ["apt-get update -q", "apt-get install -y -q openvpn"]
    assert "systemctl restart openvpn-client@dc1" in calls
    assert (tmp_path / "openvpn/client/dc1.conf").read_text().startswith("client\n")
    assert (tmp_path / "sysctl.d/99-crossnet-vpn-dc1.conf").read_text() == "net.ipv4.ip_forward = 1\n"

    undo = render.site_uninstall_script(client_name="dc1")
    result, calls = run_private(tmp_path, undo, release, openvpn=True)
    assert result.returncode == 0, result.stderr
    assert "systemctl disable --now openvpn-client@dc1" in calls
    assert not (tmp_path / "openvpn/client/dc1.conf").exists()
    assert not (tmp_path / "sysctl.d/99-crossnet-vpn-dc1.conf").exists()


@needs_root
def test_a_rhel_family_host_is_refused_clearly_before_any_change(tmp_path: Path) -> None:
    install = render.site_install_script(client_name="dc1", profile="client\n")
    result, calls = run_private(tmp_path, install, ROCKY, openvpn=False)
    assert result.returncode != 0
    assert "Rocky Linux 9.4" in result.stderr and "Debian" in result.stderr
    assert calls == "" and list((tmp_path / "openvpn").iterdir()) == []


def test_the_onprem_command_pins_the_host_key_and_undoes_on_delete(runtime: MockRuntime) -> None:
    from components import OpenVpnGateway

    from .base import HOST_KEY, gateway_args, onprem_ssh

    ssh = onprem_ssh()
    OpenVpnGateway("gw", gateway_args(onprem_ssh=ssh))  # type: ignore[arg-type]
    runtime.settle()
    cmd = runtime.one("command:remote:Command", "gw-onprem-site-a")
    assert cmd.inputs["connection"]["hostKey"] == HOST_KEY
    assert cmd.inputs["update"] == cmd.inputs["create"] == "sudo -n bash -s"
    undo = render.site_uninstall_script(client_name="site-a")
    assert cmd.inputs["delete"] == f"sudo -n bash -c {shlex.quote(undo)} < /dev/null"
    assert cmd.delete_before_replace


def test_onprem_ssh_without_a_host_key_is_refused(runtime: MockRuntime) -> None:
    from components import OpenVpnGateway, ValidationError

    from .base import gateway_args, onprem_ssh

    ssh = onprem_ssh()
    del ssh["host_key"]
    with pytest.raises(ValidationError) as err:
        OpenVpnGateway("gw", gateway_args(onprem_ssh=ssh))  # type: ignore[arg-type]
    assert "onprem_ssh.host_key" in err.value.fields and runtime.resources == []
    OpenVpnGateway("gw", gateway_args(onprem_ssh={**ssh, "allow_unknown_host_key": True}))  # type: ignore[arg-type]
