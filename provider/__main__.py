"""Entry point of the crossnet plugin (``PulumiPlugin.yaml``): serve every component.

A consumer runs ``pulumi package add <path or git URL of this repository>``; Pulumi starts
this module, reads the inferred schema and generates an SDK in the consumer's language.
"""

from pulumi.provider.experimental import component_provider_host

from provider import PACKAGE, VERSION, components

if __name__ == "__main__":
    component_provider_host(components(), PACKAGE, version=VERSION)
