"""Slope fit and the linear-growth check (no timing)."""

from __future__ import annotations

import pytest

from bench import scenarios, stats


def test_fit_recovers_a_line() -> None:
    line = stats.fit([3, 12, 48], [21 + 15 * x for x in (3, 12, 48)])
    assert line.slope == pytest.approx(15)
    assert line.intercept == pytest.approx(21)
    assert line.r2 == pytest.approx(1)


def test_linear_accepts_lines_and_rejects_quadratic_growth() -> None:
    xs = [3, 12, 48]
    assert stats.linear(xs, [6 + 15 * x for x in xs], 1.02)
    assert not stats.linear(xs, [x * x for x in xs], 1.5)
    # sublinear (a fixed cost paid once) is fine
    assert stats.linear(xs, [100 + 2 * x**0.5 for x in xs], 1.02)
    # noise allowance in absolute slope units
    assert stats.linear(xs, [0.0, 0.009, 0.05], 1.0, absolute=0.001)
    assert not stats.linear(xs, [0.0, 0.009, 0.05], 1.0)
    with pytest.raises(ValueError):
        stats.linear([2, 50], [1, 2], 1.5)


def test_median_and_segment_slopes() -> None:
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.segment_slopes([2, 6, 11], [42, 118, 213]) == [19.0, 19.0]
    with pytest.raises(ValueError):
        stats.median([])


def test_sweeps_change_only_their_size() -> None:
    dev = {
        "crossnet:scenarios": ["a", "b"],
        "crossnet:kafka": {"broker_count": 3},
        "crossnet:aurora": {"regions": ["us-west-2", "us-east-1"]},
        "crossnet:vpn": {"gateway": {"clients": {"onprem-dc1": ["192.168.50.0/24"], "ops-laptop": []}}},
    }
    assert scenarios.brokers(dev, 48)["crossnet:kafka"]["broker_count"] == 48
    assert scenarios.regions(dev, 6)["crossnet:aurora"]["regions"][:2] == ["us-west-2", "us-east-1"]
    assert len(set(scenarios.regions(dev, 11)["crossnet:aurora"]["regions"])) == 11
    clients = scenarios.vpn_clients(dev, 50)["crossnet:vpn"]["gateway"]["clients"]
    assert len(clients) == 50 and clients["onprem-dc1"] == ["192.168.50.0/24"]
    assert len({c for lans in clients.values() for c in lans}) == 49
    assert dev["crossnet:kafka"]["broker_count"] == 3  # the dev config is not modified
    assert scenarios.only(dev, "a")["crossnet:scenarios"] == ["a"]
