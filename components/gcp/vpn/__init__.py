"""OpenVpnGateway (``crossnet:index:OpenVpnGateway``) and the pure renderers it uses."""

from ..common import SshConnectionArgs
from .component import OnPremGatewaySshArgs, OpenVpnGateway, OpenVpnGatewayArgs

__all__ = ["OnPremGatewaySshArgs", "OpenVpnGateway", "OpenVpnGatewayArgs", "SshConnectionArgs"]
