"""The `crossnet` distribution: installed, it imports as `crossnet`, one cloud's SDKs per extra.

In this repository the code lives in components/ (the folder the product brief fixes);
pyproject.toml maps the package `crossnet` onto it. The wheel is built from a copy of the
sources, so an in-tree build cannot leave build/ or *.egg-info behind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# What each extra is for, and the SDKs of the other clouds that must not come with it.
EXTRAS = {
    "aws": (
        "from crossnet import KafkaPrivateLinkCluster, AuroraGlobalDb",
        ["pulumi_gcp", "pulumi_azure_native"],
    ),
    "gcp": ("from crossnet import OpenVpnGateway, PostgresStandby", ["pulumi_aws", "pulumi_azure_native"]),
    "azure": ("from crossnet import AzureVnetPeering", ["pulumi_aws", "pulumi_gcp"]),
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("components", "plan", "policy"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*command, "--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(dist.glob("crossnet-*.whl"))


def user_project(tmp: Path) -> Path:
    """A user's Pulumi project with a `components/` package of its own (common)."""
    project = tmp / "myapp"
    (project / "components").mkdir(parents=True)
    (project / "components" / "__init__.py").write_text("MINE = True\n")
    return project


def test_every_package_under_components_is_in_the_wheel():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(("crossnet", *p.parent.relative_to(ROOT / "components").parts))
        for p in (ROOT / "components").rglob("__init__.py")
    }
    for folder in ("plan", "policy"):  # the plan tool and the policy pack ship as crossnet.plan, .policy
        on_disk |= {
            ".".join(("crossnet", *p.parent.relative_to(ROOT).parts))
            for p in (ROOT / folder).rglob("__init__.py")
        }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "__pycache__" not in str(on_disk)
    assert listed - on_disk == set()


def test_extras_split_the_clouds():
    deps = PYPROJECT["project"]
    base = " ".join(deps["dependencies"])
    assert "pulumi-aws" not in base and "pulumi-gcp" not in base and "pulumi-azure-native" not in base
    extras = deps["optional-dependencies"]
    assert any(d.startswith("pulumi-aws") for d in extras["aws"])
    assert not any(d.startswith(("pulumi-gcp", "pulumi-azure")) for d in extras["aws"])
    assert any(d.startswith("pulumi-gcp") for d in extras["gcp"])
    assert any(d.startswith("pulumi-azure-native") for d in extras["azure"])
    assert extras["all"] == ["crossnet[aws,gcp,azure]"]
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")


def test_wheel_imports_as_crossnet_beside_a_users_own_components_package(tmp_path, wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "crossnet/py.typed" in names
    assert "crossnet/aws/aurora/handler.py" in names
    assert "crossnet/azure/peering/dynamic.py" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert "crossnet/plan/__main__.py" in names and "crossnet/plan/sdk_schema.json" in names
    assert not any(n.startswith(("components/", "plan/", "policy/", "tests/", "stacks/")) for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    project = user_project(tmp_path)
    code = (
        "import components, crossnet; "
        "from crossnet import AzureVnetPeering, OpenVpnGateway, PostgresStandby, "
        "KafkaPrivateLinkCluster, AuroraGlobalDb, ValidationError; "
        "print(components.MINE, crossnet.__file__, issubclass(ValidationError, ValueError), "
        "AuroraGlobalDb.__module__, AzureVnetPeering.__module__)"
    )
    # the SDKs come from this venv, the library only from the extracted wheel
    deps = next(p for p in sys.path if p.endswith("site-packages"))
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = [{str(site)!r}, {deps!r}, ''];" + code],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    mine, file, is_value_error, aurora_module, azure_module = out.stdout.split()
    assert mine == "True"
    assert file.startswith(str(site))
    assert is_value_error == "True"
    assert aurora_module == "crossnet.aws.aurora.component"
    # the module path a deployed Azure stack's dynamic providers are pickled under
    assert azure_module == "crossnet.azure.peering.component"


@pytest.mark.integration
@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_pip_install_one_extra_brings_only_that_clouds_sdks(tmp_path, wheel, extra):
    """`pip install crossnet[aws]` in a fresh venv (PyPI through pip's cache), from a user project."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip_install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--disable-pip-version-check",
    ]
    subprocess.run(
        [*pip_install, f"crossnet[{extra}] @ {wheel.as_uri()}"],
        check=True,
        capture_output=True,
        timeout=540,
    )
    imports, absent = EXTRAS[extra]
    project = user_project(tmp_path)
    subprocess.run(
        [str(python), "-c", f"import components; assert components.MINE; {imports}"], cwd=project, check=True
    )
    for module in absent:
        missing = subprocess.run(
            [str(python), "-c", f"import {module}"], cwd=project, capture_output=True, text=True
        )
        assert missing.returncode != 0 and "No module named" in missing.stderr, (
            f"{module} came with [{extra}]"
        )
