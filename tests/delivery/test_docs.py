"""docs/: the component pages match the code, and the drift check really catches drift."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

import stacks
from components.aws.aurora import AuroraDnsArgs
from docs import examples, generate

DOCS = generate.DOCS
AURORA = next(e for e in examples.EXAMPLES if e.main.component == "AuroraGlobalDb")


@pytest.fixture(scope="module")
def expected() -> dict[Path, str]:
    return generate.pages()


def test_component_pages_match_the_code(expected: dict[Path, str]) -> None:
    stale = generate.stale(expected)
    assert not stale, (
        f"out of date: {', '.join(p.name for p in stale)}; run `{generate.COMMAND}` and commit docs/"
    )


def test_an_edited_page_is_caught(expected: dict[Path, str], tmp_path: Path) -> None:
    copies = {tmp_path / path.name: text for path, text in expected.items()}
    for path, text in copies.items():
        path.write_text(text)
    assert generate.stale(copies) == []
    target = tmp_path / "aurora-global-db.md"
    target.write_text(target.read_text().replace("| `ttl` | `int` | no | 30", "| `ttl` | `int` | no | 60"))
    assert generate.stale(copies) == [target]


def test_a_changed_args_field_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    committed = (DOCS / f"{AURORA.slug}.md").read_text()
    assert generate.component_page(AURORA) == committed
    # A new optional field in a nested Args TypedDict, as a code change would add it.
    monkeypatch.setitem(AuroraDnsArgs.__annotations__, "weight", typing.NotRequired[int])
    page = generate.component_page(AURORA)
    assert page != committed
    assert "| `weight` | `int` | no |" in page


def test_a_changed_docstring_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    committed = (DOCS / f"{AURORA.slug}.md").read_text()
    real = generate._class_docstrings

    def edited(cls: type) -> dict[str, str]:
        found = dict(real(cls))
        if cls is AuroraDnsArgs:
            found["ttl"] = found["ttl"].replace("[30;", "[45;")
        return found

    monkeypatch.setattr(generate, "_class_docstrings", edited)
    page = generate.component_page(AURORA)
    assert page != committed and "| `ttl` | `int` | no | 45; 5..3600 |" in page


@pytest.mark.parametrize("example", examples.EXAMPLES, ids=lambda e: e.slug)
def test_every_input_and_output_has_a_row(expected: dict[Path, str], example: examples.Example) -> None:
    page = expected[DOCS / f"{example.slug}.md"]
    component = generate.component_class(example.main.component)
    todo = [generate.args_class(component)]
    seen: set[type] = set()
    while todo:
        cls = todo.pop()
        seen.add(cls)
        for row in generate.fields(cls):
            assert f"| `{row['name']}`" in page, (cls.__name__, row["name"])
            assert row["description"], f"{cls.__name__}.{row['name']} has no docstring"
            todo += [t for t in row["nested"] if t not in seen]
    for out in generate.outputs(component, frozenset()):
        assert f"| `{out['name']}` (`" in page, out["name"]
    assert "```mermaid\nflowchart LR\n" in page


def test_the_diagram_shows_every_cloud_resource_of_the_example() -> None:
    doc = generate.plan_of(AURORA)
    page = (DOCS / f"{AURORA.slug}.md").read_text()
    diagram = page.split("```mermaid", 1)[1].split("```", 1)[0]
    names = {r["name"] for r in doc["resources"] if r["custom"]}
    assert len(names) > 20
    for name in names:
        assert f'<br/>{name}"]' in diagram, name


def test_operations_pages_exist_for_every_scenario() -> None:
    for scenario in stacks.SCENARIOS:
        page = DOCS / "operations" / f"{scenario}.md"
        assert page.is_file(), page
        assert page.read_text().count("\n## ") >= 3


def test_relative_links_resolve() -> None:
    for page in [*DOCS.glob("*.md"), *DOCS.glob("operations/*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_commands_in_operations_pages_exist() -> None:
    """Every ``--flag`` the runbooks pass to the drill is one the drill accepts."""
    from components.aws.aurora import drill

    parser_flags = set(re.findall(r'add_argument\("(--[a-z-]+)"', Path(drill.__file__).read_text()))
    text = (DOCS / "operations" / "keycloak_aurora_global.md").read_text()
    used = set()
    for line in re.findall(r"python -m components\.aws\.aurora\.drill[^\n`]*(?:\\\n[^\n`]*)*", text):
        used |= set(re.findall(r"(--[a-z-]+)", line))
    assert used, "the runbook shows the drill"
    assert used <= parser_flags, used - parser_flags
