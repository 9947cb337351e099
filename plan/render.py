"""Text, Mermaid and diff views of a plan document (see ``plan.model``)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from .model import MASK

NOISY_INPUTS = {"tags", "tagsAll", "labels", "__defaults"}


def flatten(value: Any, prefix: str = "", keep_noisy: bool = False) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = []
        for key in sorted(value):
            if key in NOISY_INPUTS and not prefix and not keep_noisy:
                continue
            items += flatten(value[key], f"{prefix}.{key}" if prefix else str(key), keep_noisy)
        return items
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = []
        for i, item in enumerate(value):
            items += flatten(item, f"{prefix}[{i}]", keep_noisy)
        return items
    return [(prefix, value)]


def show_value(value: Any, width: int = 72, full: bool = False, indent: str = "") -> str:
    """A value on one line: long strings and multi-line text as a digest, unless ``full``.

    With ``full``, a multi-line string is printed whole as an indented block after ``|``
    (the way YAML writes a literal block), so a boot script reads as the script it is.
    """
    if isinstance(value, str):
        if value == MASK:
            return MASK
        if full:
            if "\n" not in value.rstrip("\n"):
                return value
            body = value[:-1] if value.endswith("\n") else value
            return "|\n" + "\n".join(f"{indent}    {line}".rstrip() for line in body.split("\n"))
        if "\n" in value or len(value) > width:
            digest = hashlib.sha256(value.encode()).hexdigest()[:12]
            first = value.strip().splitlines()[0] if value.strip() else ""
            first = first if len(first) <= 40 else first[:37] + "..."
            return f"<{len(value.splitlines())} lines, sha256:{digest}> {first!r}"
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = json.dumps(value, sort_keys=True)
    return text if full or len(text) <= width else text[: width - 3] + "..."


def _children(doc: dict[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    urns = {r["urn"] for r in doc["resources"]}
    tree: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for res in doc["resources"]:
        parent = res["parent"] if res["parent"] in urns else None
        tree[parent].append(res)
    return tree


def text(doc: dict[str, Any], full: bool = False, max_inputs: int = 8) -> str:
    resources = doc["resources"]
    secrets = sum(1 for r in resources if r["secret_inputs"])
    lines = [
        f"crossnet plan: stack {doc['stack']!r}, {len(resources)} resources "
        f"({sum(1 for r in resources if r['custom'])} cloud resources, "
        f"{sum(1 for r in resources if not r['custom'])} components; "
        f"{secrets} with secret inputs, masked as {MASK})"
    ]
    tree = _children(doc)

    def walk(parent: str | None, indent: str) -> None:
        kids = tree.get(parent, [])
        for i, res in enumerate(kids):
            last = i == len(kids) - 1
            branch, pad = ("└─ ", "   ") if last else ("├─ ", "│  ")
            flags = []
            if res["protect"]:
                flags.append("protect")
            if res["ignore_changes"]:
                flags.append("ignore_changes=" + ",".join(res["ignore_changes"]))
            suffix = f"  [{'; '.join(flags)}]" if flags else ""
            lines.append(f"{indent}{branch}{res['type']}  {res['name']}{suffix}")
            inputs = flatten(res["inputs"])
            shown = inputs if full else inputs[:max_inputs]
            for key, value in shown:
                lines.append(
                    f"{indent}{pad}    {key} = {show_value(value, full=full, indent=indent + pad + '    ')}"
                )
            if len(inputs) > len(shown):
                lines.append(f"{indent}{pad}    (+{len(inputs) - len(shown)} more inputs; --full shows all)")
            walk(res["urn"], indent + pad)

    walk(None, "")
    if doc.get("outputs"):
        lines.append("outputs:")
        for key, value in flatten(doc["outputs"]):
            lines.append(f"  {key} = {show_value(value)}")
    return "\n".join(lines)


def find(doc: dict[str, Any], name_or_urn: str) -> dict[str, Any]:
    """The one resource with this URN (with or without the stack), or this logical name."""
    resources = doc["resources"]
    for res in resources:
        if name_or_urn in (res["urn"], stackless(res["urn"])):
            return res
    named = [r for r in resources if r["name"] == name_or_urn]
    if len(named) == 1:
        return named[0]
    if named:
        raise LookupError(
            f"{len(named)} resources are named {name_or_urn!r}; pass one URN:\n  "
            + "\n  ".join(r["urn"] for r in named)
        )
    close = sorted(r["name"] for r in resources if name_or_urn in r["name"])[:10]
    hint = ("; names containing it: " + ", ".join(close)) if close else ""
    raise LookupError(f"no resource named {name_or_urn!r} in stack {doc['stack']!r}{hint}")


def show(doc: dict[str, Any], name_or_urn: str) -> str:
    """One resource in full: identity, options and every input with its whole value."""
    res = find(doc, name_or_urn)
    lines = [f"{res['type']}  {res['name']}", f"  urn: {res['urn']}"]
    for option in (
        "parent",
        "provider",
        "protect",
        "ignore_changes",
        "delete_before_replace",
        "retain_on_delete",
        "custom_timeouts",
        "additional_secret_outputs",
        "dependencies",
    ):
        value = res.get(option)
        if value:
            lines.append(f"  {option}: {show_value(value, full=True)}")
    if res.get("secret_inputs"):
        lines.append(f"  secret inputs (masked as {MASK}): {', '.join(res['secret_inputs'])}")
    lines.append("  inputs:")
    for key, value in flatten(res["inputs"], keep_noisy=True):
        lines.append(f"    {key} = {show_value(value, full=True, indent='    ')}")
    return "\n".join(lines)


def mermaid(doc: dict[str, Any], dependencies: bool = False) -> str:
    """A Mermaid flowchart: components as subgraphs, resources as nodes."""
    ids = {r["urn"]: f"n{i}" for i, r in enumerate(doc["resources"])}
    tree = _children(doc)
    lines = ["flowchart LR"]

    def label(res: dict[str, Any]) -> str:
        short = (
            res["type"].split(":")[-1]
            if not res["type"].startswith("pulumi:providers:")
            else "provider " + res["type"].rsplit(":", 1)[-1]
        )
        return f"{short}<br/>{res['name']}".replace('"', "'")

    def walk(resources: list[dict[str, Any]], indent: str) -> None:
        for res in resources:
            node = ids[res["urn"]]
            kids = tree.get(res["urn"], [])
            if not res["custom"] and kids:
                lines.append(f'{indent}subgraph {node}["{label(res)}"]')
                walk(kids, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(f'{indent}{node}["{label(res)}"]')
                # a cloud resource that parents others (a secret and its versions): draw them beside it
                walk(kids, indent)
                lines.extend(f"{indent}{node} --- {ids[kid['urn']]}" for kid in kids)

    walk(tree.get(None, []), "  ")
    if dependencies:
        for res in doc["resources"]:
            for dep in res["dependencies"]:
                if dep in ids and dep != res["parent"]:
                    lines.append(f"  {ids[dep]} -.-> {ids[res['urn']]}")
    return "\n".join(lines)


def stackless(urn: str) -> str:
    """A URN without its stack name, so plans of two stacks (base/head) line up."""
    parts = urn.split("::")
    return "::".join(parts[1:]) if urn.startswith("urn:pulumi:") else urn


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(_norm(v) for v in value)
    if isinstance(value, str) and value.startswith("urn:pulumi:"):
        return "<stack>" if "::pulumi:pulumi:Stack::" in value else stackless(value)
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Added, removed and changed resources between two plans, keyed by URN (without the stack).

    Each changed resource gets an action, ``replace`` when a changed input forces a new resource
    (:mod:`plan.replace_rules`), else ``update``; ``replacing`` names the inputs that force it.
    """
    from .replace_rules import replaces

    before = {stackless(r["urn"]): r for r in old["resources"]}
    after = {stackless(r["urn"]): r for r in new["resources"]}
    changed = {}
    actions: dict[str, str] = {}
    replacing: dict[str, list[str]] = {}
    for urn in sorted(before.keys() & after.keys()):
        a, b = dict(flatten(before[urn]["inputs"])), dict(flatten(after[urn]["inputs"]))
        fields = {
            k: {"old": a.get(k), "new": b.get(k)} for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)
        }
        for option in ("protect", "ignore_changes", "provider", "parent", "dependencies"):
            was, now = _norm(before[urn].get(option)), _norm(after[urn].get(option))
            if was != now:
                fields[f"({option})"] = {"old": was, "new": now}
        if fields:
            changed[urn] = fields
            ignored = set(after[urn].get("ignore_changes") or [])
            effective = [k for k in fields if k.split(".")[0].split("[")[0] not in ignored]
            forcing = [k for k in effective if replaces(after[urn]["type"], k)]
            # options other than the provider change only the engine's state, not the cloud
            cloud = [k for k in effective if not k.startswith("(") or k == "(provider)"]
            # ignore_changes: the engine keeps the old value, so such a change does nothing
            if forcing:
                actions[urn] = "replace"
                replacing[urn] = forcing
            elif cloud or len(effective) == len(fields):
                actions[urn] = "update"
            else:
                actions[urn] = "ignored"
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
        "actions": actions,
        "replacing": replacing,
    }


def diff_text(result: dict[str, Any]) -> str:
    """Like ``pulumi preview``: a summary, then ``+`` add, ``-/+`` replace, ``~`` update, ``-`` delete."""

    def short(urn: str) -> str:
        parts = urn.split("::")
        return f"{parts[-2].split('$')[-1]}  {parts[-1]}" if len(parts) >= 2 else urn

    actions = result.get("actions", {})
    replaced = [u for u in result["changed"] if actions.get(u) == "replace"]
    updated = [u for u in result["changed"] if actions.get(u, "update") == "update"]
    ignored = [u for u in result["changed"] if actions.get(u) == "ignored"]
    lines = [
        f"plan diff: {len(result['added'])} to add, {len(replaced)} to replace, "
        f"{len(updated)} to update, {len(result['removed'])} to delete"
        + (f" ({len(ignored)} with changes only in ignore_changes)" if ignored else "")
    ]
    lines += [f"+ {short(u)}" for u in result["added"]]
    lines += [f"- {short(u)}" for u in result["removed"]]
    forcing = result.get("replacing", {})
    for urn, fields in result["changed"].items():
        if urn in forcing:
            lines.append(f"-/+ {short(urn)}  REPLACE (forced by {', '.join(forcing[urn])})")
        elif actions.get(urn) == "ignored":
            kept = ", ".join(k for k in fields if not k.startswith("("))
            lines.append(f"= {short(urn)}  no change (ignore_changes: {kept})")
        else:
            lines.append(f"~ {short(urn)}  update")
        for key, change in fields.items():
            mark = "  [forces replacement]" if key in forcing.get(urn, []) else ""
            lines.append(f"    {key}: {show_value(change['old'])} -> {show_value(change['new'])}{mark}")
    return "\n".join(lines)
