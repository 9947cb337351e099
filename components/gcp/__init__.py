"""GCP components: the OpenVPN site-to-site gateway and the PostgreSQL streaming standby.

Import the classes from their packages (``components.gcp.vpn``,
``components.gcp.standby``) or from ``components``; this package stays empty so
that importing one does not load the other.
"""
