"""Entry point of the crossnet plugin (``PulumiPlugin.yaml``): serve every component.

A consumer runs ``pulumi package add <path or git URL of this repository>``; Pulumi starts
this module, reads the inferred schema and generates an SDK in the consumer's language.
"""

import sys
from pathlib import Path

# Pulumi may run this directory as a script (sys.path[0] is provider/): make the repository,
# which holds both `provider` and `components`, importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host

from provider import PACKAGE, VERSION, components

if __name__ == "__main__":
    component_provider_host(components(), PACKAGE, version=VERSION)
