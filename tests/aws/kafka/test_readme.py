"""The README's KafkaPrivateLinkCluster examples run as written (on the mock runtime)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def examples() -> list[str]:
    text = README.read_text()
    section = text.split("## KafkaPrivateLinkCluster", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_main_example_runs_and_exports_the_console_values(runtime_factory):
    rt = runtime_factory(config={"aws:region": "us-west-2"})
    rt.run(lambda: exec(examples()[0], {"__name__": "__main__"}))  # noqa: S102 - our own README
    outputs = rt.stack_outputs()
    assert outputs["endpoint_service_name"].startswith("com.amazonaws.vpce.us-west-2.vpce-svc-")
    assert outputs["bootstrap_port"] == 9092 and outputs["unique_name"] == "abc123"
    assert outputs["az_ids"] == ["usw2-az1", "usw2-az2", "usw2-az3"]
    assert outputs["bastion_public_ip"]


def test_the_reconfigure_example_runs_and_emits_settings_and_order(runtime_factory):
    rt = runtime_factory(config={"aws:region": "us-west-2"})
    header = "import pulumi\nfrom components import KafkaPrivateLinkCluster\n"
    rt.run(lambda: exec(header + examples()[1], {"__name__": "__main__"}))  # noqa: S102
    outputs = rt.stack_outputs()
    assert outputs["restart_order"] == ["1", "2"]
    assert "EXTERNAL://b1.usw2-az1.abc123" in outputs["listener_settings"]["1"]
    assert not rt.of_type("aws:ec2/instance:Instance")
