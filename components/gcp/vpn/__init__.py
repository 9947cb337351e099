"""OpenVpnGateway (``crossnet:gcp:OpenVpnGateway``) and the pure renderers it uses."""

from components.gcp.common import SshConnectionArgs
from components.gcp.vpn.component import OnPremGatewaySshArgs, OpenVpnGateway, OpenVpnGatewayArgs

__all__ = ["OnPremGatewaySshArgs", "OpenVpnGateway", "OpenVpnGatewayArgs", "SshConnectionArgs"]
