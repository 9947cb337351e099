"""Self-hosted Kafka (KRaft) exposed over AWS PrivateLink with one NLB port per broker."""

from .args import KafkaExistingBrokerArgs, KafkaPrivateLinkClusterArgs
from .component import KafkaPrivateLinkCluster

__all__ = ["KafkaExistingBrokerArgs", "KafkaPrivateLinkCluster", "KafkaPrivateLinkClusterArgs"]
