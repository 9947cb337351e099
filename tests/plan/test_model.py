"""How the plan document describes assets: by content and by a path inside the project."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pytest

from plan.model import plain


def test_a_file_asset_is_named_relative_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkouts of one commit (the offline job plans the base in another directory) must plan
    the same asset, as Pulumi, which compares assets by content, would."""
    described = []
    for checkout in ("base", "head"):
        root = tmp_path / checkout
        (root / "components").mkdir(parents=True)
        (root / "components" / "handler.py").write_text("def handler(event, context): ...\n")
        monkeypatch.chdir(root)
        described.append(
            plain(
                pulumi.AssetArchive(
                    {"handler.py": pulumi.FileAsset(os.path.join(root, "components", "handler.py"))}
                )
            )
        )
    assert described[0] == described[1]
    assert described[0]["archive"]["handler.py"]["path"] == "components/handler.py"


def test_a_file_outside_the_project_keeps_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    assert plain(pulumi.FileAsset(str(outside)))["path"] == str(outside)
