"""The README's AuroraGlobalDb section: its example runs as written, and its inputs table is complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from components.aws.aurora.args import AuroraDnsArgs, AuroraGlobalDbArgs

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"


def section() -> str:
    text = README.read_text()
    start = text.index("## AuroraGlobalDb")
    return text[start : text.index("\n## ", start + 3)] if "\n## " in text[start + 3 :] else text[start:]


def test_example_runs_on_the_mock_runtime(runtime: Any) -> None:
    block = re.search(r"```python\n(.*?)```", section(), re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {})  # noqa: S102 - our own README
    runtime.settle()
    outputs = runtime.stack_outputs()
    assert outputs["kc_db_url"] == (
        "jdbc:postgresql://keycloak-prod.aurora-global.example.com:5432/keycloak"
        "?sslmode=verify-ca&sslrootcert=/opt/keycloak/conf/rds-global-bundle.pem"
    )
    assert set(outputs["regional"]) == {"us-west-2", "us-east-1"}
    assert "kc_db_password" in runtime.secret_stack_outputs()
    assert len(runtime.of_type("aws:lambda/function:Function")) == 2


def test_inputs_table_lists_every_key() -> None:
    # The README links to the generated reference page, which holds the tables.
    text = (ROOT / "docs" / "aurora-global-db.md").read_text()
    for key in [*AuroraGlobalDbArgs.__annotations__, *AuroraDnsArgs.__annotations__]:
        assert f"`{key}`" in text, key
    runbook = (ROOT / "docs" / "operations" / "keycloak_aurora_global.md").read_text()
    assert "python -m components.aws.aurora.drill" in runbook
