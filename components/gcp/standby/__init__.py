"""PostgresStandby (``crossnet:gcp:PostgresStandby``) and the pure renderers it uses."""

from components.gcp.standby.component import PostgresStandby, PostgresStandbyArgs

__all__ = ["PostgresStandby", "PostgresStandbyArgs"]
