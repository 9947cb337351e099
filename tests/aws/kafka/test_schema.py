"""The component's shape is what ``component_provider_host`` reads (schema for other languages)."""

from pulumi.provider.experimental.analyzer import Analyzer

from components import KafkaPrivateLinkCluster


def test_schema_has_every_design_input_and_output_with_descriptions():
    result = Analyzer("crossnet").analyze([KafkaPrivateLinkCluster])
    component = result["component_definitions"]["KafkaPrivateLinkCluster"]
    required = {"region", "azIds", "uniqueName", "listenerDomainSuffix", "allowedPrincipals"}
    optional = {
        "brokerCount",
        "kafkaVersion",
        "kafkaDownloadUrl",
        "instanceType",
        "vpcCidr",
        "vpcId",
        "subnetIds",
        "bastion",
        "sshIngressCidrs",
        "allowWorldSsh",
        "acceptanceRequired",
        "bootstrapPort",
        "brokerPortBase",
        "internalPort",
        "externalPort",
        "controllerPort",
        "existingBrokers",
        "brokerSsh",
    }
    assert required | optional <= set(component.inputs)
    assert {k for k, v in component.inputs.items() if not v.optional} == required
    assert all(v.description for v in component.inputs.values())
    assert {
        "endpointServiceName",
        "endpointServiceId",
        "nlbDnsName",
        "bootstrapPort",
        "advertisedListeners",
        "brokerPrivateIps",
        "serverProperties",
        "bastionPublicIp",
    } <= set(component.outputs)
    assert {"KafkaExistingBrokerArgs", "KafkaBrokerSshArgs"} <= set(result["type_definitions"])
