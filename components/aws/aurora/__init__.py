"""Aurora PostgreSQL global database (``crossnet:index:AuroraGlobalDb``).

- ``component``: the ComponentResource and the pure functions it renders (event pattern, IAM policy, JDBC URL)
- ``args``: the Args types and their validation
- ``handler``: the failover Lambda handler (boto3 only), deployed in ``failover-lambda`` mode
- ``drill``: ``python -m components.aws.aurora.drill``, a switchover/failover drill with timings
"""

from .args import AuroraDnsArgs, AuroraGlobalDbArgs, AuroraPeerVpcArgs
from .component import AuroraGlobalDb, jdbc_url

__all__ = ["AuroraDnsArgs", "AuroraGlobalDb", "AuroraGlobalDbArgs", "AuroraPeerVpcArgs", "jdbc_url"]
