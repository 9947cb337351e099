"""Scenario ``tidb_kafka_privatelink``: self-hosted Kafka exposed to TiDB Cloud through PrivateLink.

Config section ``crossnet:kafka``: every ``KafkaPrivateLinkClusterArgs`` key, plus an optional
``name`` (the component's name, default ``tidb-kafka``; it also seeds the KRaft cluster id, so
changing it replaces everything). The exported outputs are exactly what the TiDB Cloud console
asks for when creating a "Kafka via PrivateLink" changefeed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from components.validation import Problems
from stacks import pop_name

SECTION = "crossnet:kafka."
DEFAULT_NAME = "tidb-kafka"


@dataclass(frozen=True)
class KafkaScenario:
    name: str
    args: dict[str, Any]


def configure(section: Mapping[str, Any]) -> KafkaScenario:
    """Validate the ``crossnet:kafka`` section with the component's own checks; registers nothing."""
    from components.aws.kafka.args import validate
    from components.aws.kafka.names import check_component_name

    problems = Problems("stack config")
    args = dict(section)
    before = len(problems.items)
    name = pop_name(
        args,
        SECTION.rstrip("."),
        DEFAULT_NAME,
        problems,
        r"[a-z][a-z0-9-]{0,39}",
        "1..40 lowercase letters, digits and hyphens, starting with a letter",
    )
    if len(problems.items) == before:
        check_component_name(name, problems, SECTION + "name")
    validate(args, problems, prefix=SECTION)
    problems.raise_if_any()
    return KafkaScenario(name=name, args=args)


def deploy(config: KafkaScenario) -> dict[str, Any]:
    """Build the cluster; export what the TiDB Cloud console asks for."""
    from components.aws.kafka import KafkaPrivateLinkCluster, KafkaPrivateLinkClusterArgs

    cluster = KafkaPrivateLinkCluster(config.name, cast(KafkaPrivateLinkClusterArgs, config.args))
    return {
        "endpoint_service_name": cluster.endpoint_service_name,
        "bootstrap_port": cluster.bootstrap_port,
        "unique_name": config.args["unique_name"],
        "az_ids": cluster.az_ids,
    }
