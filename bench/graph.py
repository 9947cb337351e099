"""Critical path of a recorded resource graph (pure; no Pulumi imports).

A resource can start when everything it depends on has been created: its recorded
``dependencies`` (which include every property dependency), and its explicit
provider. Parent/child is not a creation dependency. A dependency on a component
stands for the component's custom descendants, as the engine expands it.
Components take no time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    urn: str
    type: str
    custom: bool = True
    dependencies: tuple[str, ...] = ()
    parent: str = ""
    provider: str = ""
    inputs: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CriticalPath:
    length: float
    """Earliest finish of the whole graph with unlimited parallelism (seconds)."""
    total: float
    """Sum of every step: the sequential runbook (seconds)."""
    path: tuple[str, ...]
    """URNs on the critical path, first to last (custom resources with a duration or on the chain)."""
    finish: Mapping[str, float]


class CycleError(ValueError):
    pass


def _descendants(nodes: Mapping[str, Node]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for node in nodes.values():
        if node.parent:
            children.setdefault(node.parent, []).append(node.urn)
    out: dict[str, list[str]] = {}
    for urn in nodes:
        stack, seen, found = list(children.get(urn, [])), set(), []
        while stack:
            child = stack.pop()
            if child in seen:
                continue
            seen.add(child)
            if nodes[child].custom:
                found.append(child)
            stack.extend(children.get(child, []))
        out[urn] = found
    return out


def edges(nodes: Mapping[str, Node]) -> dict[str, set[str]]:
    """urn -> the custom resources that must be created before it."""
    descendants = _descendants(nodes)
    result: dict[str, set[str]] = {}
    for node in nodes.values():
        deps: set[str] = set()
        for dep in (*node.dependencies, *((node.provider,) if node.provider else ())):
            if dep not in nodes:
                continue  # outside the program (e.g. the stack itself)
            if nodes[dep].custom:
                deps.add(dep)
            else:
                deps.update(descendants[dep])
        deps.discard(node.urn)
        result[node.urn] = deps
    return result


def critical_path(nodes: Iterable[Node], duration: Callable[[Node], float]) -> CriticalPath:
    by_urn = {n.urn: n for n in nodes}
    deps = edges(by_urn)
    cost = {u: (duration(n) if n.custom else 0.0) for u, n in by_urn.items()}
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for root in by_urn:
        if state.get(root) == 2:
            continue
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            urn, expanded = stack.pop()
            if expanded:
                best_dep = max(deps[urn], key=lambda d: (finish[d], d)) if deps[urn] else None
                best = finish[best_dep] if best_dep is not None else 0.0
                finish[urn] = best + cost[urn]
                via[urn] = best_dep
                state[urn] = 2
                continue
            if state.get(urn) == 2:
                continue
            if state.get(urn) == 1:
                raise CycleError(f"dependency cycle through {urn}")
            state[urn] = 1
            stack.append((urn, True))
            for dep in deps[urn]:
                if state.get(dep) == 1:
                    raise CycleError(f"dependency cycle: {urn} -> {dep}")
                if state.get(dep) != 2:
                    stack.append((dep, False))
    if not finish:
        return CriticalPath(0.0, 0.0, (), {})
    end = max(finish, key=lambda u: (finish[u], u))
    path: list[str] = []
    current: str | None = end
    while current is not None:
        path.append(current)
        current = via[current]
    return CriticalPath(finish[end], sum(cost.values()), tuple(reversed(path)), finish)
