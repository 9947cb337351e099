"""PostgresStandby (``crossnet:index:PostgresStandby``) and the pure renderers it uses."""

from .component import PostgresStandby, PostgresStandbyArgs

__all__ = ["PostgresStandby", "PostgresStandbyArgs"]
