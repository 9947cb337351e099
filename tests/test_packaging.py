"""The `crossnet` distribution: another repository installs it and imports the components."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_the_components_and_they_import_from_elsewhere(tmp_path):
    # build from a copy: an in-tree build leaves build/ and *.egg-info behind, and a stale build/lib
    # could ship files that no longer exist
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "components", source / "components", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("crossnet-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "components/py.typed" in names
    assert "components/aws/aurora/handler.py" in names
    assert not any(n.startswith(("tests/", "stacks/", "plan/")) for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "other-repo"
    elsewhere.mkdir()
    code = (
        "import components; "
        "from components import AzureVnetPeering, OpenVpnGateway, PostgresStandby, "
        "KafkaPrivateLinkCluster, AuroraGlobalDb, ValidationError; "
        "print(components.__file__); print(issubclass(ValidationError, ValueError)); "
        "print(AuroraGlobalDb.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    lines = out.stdout.split()
    assert lines[0].startswith(str(site))
    assert lines[1] == "True"
    assert lines[2].startswith("components.aws.aurora")
