"""crossnet guardrails: a Pulumi policy pack (``pulumi preview --policy-pack policy``) whose rules
(``policy.rules``) also run over the offline plan in the test suite."""
