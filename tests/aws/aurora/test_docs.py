"""AuroraGlobalDb's reference page lists every input, and the runbook shows the drill command.

(The README's snippet runs in tests/test_readme.py.)"""

from __future__ import annotations

from components.aws.aurora.args import AuroraApplicationRoleArgs, AuroraDnsArgs, AuroraGlobalDbArgs
from tests.readme import ROOT


def test_inputs_table_lists_every_key() -> None:
    text = (ROOT / "docs" / "aurora-global-db.md").read_text()
    for key in [
        *AuroraGlobalDbArgs.__annotations__,
        *AuroraDnsArgs.__annotations__,
        *AuroraApplicationRoleArgs.__annotations__,
    ]:
        assert f"`{key}`" in text, key
    runbook = (ROOT / "docs" / "operations" / "keycloak_aurora_global.md").read_text()
    assert "python -m components.aws.aurora.drill" in runbook
