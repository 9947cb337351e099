"""Self-hosted Kafka (KRaft) exposed over AWS PrivateLink with one NLB port per broker."""

from components.aws.kafka.args import KafkaExistingBrokerArgs, KafkaPrivateLinkClusterArgs
from components.aws.kafka.component import KafkaPrivateLinkCluster

__all__ = ["KafkaExistingBrokerArgs", "KafkaPrivateLinkCluster", "KafkaPrivateLinkClusterArgs"]
