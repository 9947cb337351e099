"""The crossnet Pulumi program: runs the scenarios enabled in ``crossnet:scenarios``."""

import stacks

stacks.run()
