"""OpenVpnGateway (``crossnet:index:OpenVpnGateway``) and the pure renderers it uses."""

from ..common import SshConnectionArgs
from .args import OnPremGatewaySshArgs, OpenVpnGatewayArgs, Settings, validate
from .component import OpenVpnGateway

__all__ = [
    "OnPremGatewaySshArgs",
    "OpenVpnGateway",
    "OpenVpnGatewayArgs",
    "Settings",
    "SshConnectionArgs",
    "validate",
]
