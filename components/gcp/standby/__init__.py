"""PostgresStandby (``crossnet:index:PostgresStandby``) and the pure renderers it uses."""

from .args import PostgresStandbyArgs
from .component import PostgresStandby

__all__ = ["PostgresStandby", "PostgresStandbyArgs"]
