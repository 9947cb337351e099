import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import cidr
from components.validation import Problems

prefixes = st.integers(min_value=8, max_value=28)


@st.composite
def parents(draw):
    prefix = draw(prefixes)
    address = draw(st.integers(min_value=0, max_value=2**32 - 1))
    return ipaddress.IPv4Network((address >> (32 - prefix) << (32 - prefix), prefix))


@given(parents(), st.integers(min_value=0, max_value=4), st.data())
def test_subnet_at_is_inside_parent_aligned_and_disjoint(parent, extra, data):
    new_prefix = min(parent.prefixlen + extra, 32)
    count = 1 << (new_prefix - parent.prefixlen)
    i = data.draw(st.integers(min_value=0, max_value=count - 1))
    j = data.draw(st.integers(min_value=0, max_value=count - 1))
    a, b = cidr.subnet_at(parent, new_prefix, i), cidr.subnet_at(parent, new_prefix, j)
    assert a.subnet_of(parent) and a.prefixlen == new_prefix
    assert (a == b) == (i == j)
    assert a.overlaps(b) == (i == j)


@given(st.lists(parents(), min_size=0, max_size=6))
def test_overlapping_pairs_matches_brute_force(networks):
    named = {f"n{i}": n for i, n in enumerate(networks)}
    pairs = set(cidr.overlapping_pairs(named))
    expected = {
        (f"n{i}", f"n{j}")
        for i in range(len(networks))
        for j in range(i + 1, len(networks))
        if networks[i].overlaps(networks[j])
    }
    assert pairs == expected


@pytest.mark.parametrize("value", ["10.0.0.1/16", "10.0.0.0", "300.0.0.0/8", "10.0.0.0/33", None, 42, ""])
def test_check_rejects_non_cidrs_naming_the_field(value):
    problems = Problems("x")
    assert cidr.check(problems, value, "vpc_cidr") is None
    assert problems.items[0].field == "vpc_cidr"


def test_check_prefix_bounds_and_overlap_report():
    problems = Problems("x")
    assert cidr.check(problems, "10.0.0.0/8", "vpc_cidr", min_prefix=16, max_prefix=28) is None
    assert "/16 to /28" in problems.items[0].allowed
    problems = Problems("x")
    cidr.report_overlaps(
        problems,
        {
            "vpn_cidr": cidr.parse("10.8.0.0/24"),
            "gcp_cidrs[0]": cidr.parse("10.8.0.0/16"),
            "onprem": cidr.parse("192.168.1.0/24"),
        },
    )
    assert [p.field for p in problems.items] == ["vpn_cidr"]
    assert "gcp_cidrs[0]" in problems.items[0].allowed


def test_subnet_at_rejects_out_of_range():
    parent = ipaddress.IPv4Network("10.0.0.0/16")
    with pytest.raises(ValueError, match="index 4"):
        cidr.subnet_at(parent, 18, 4)
    with pytest.raises(ValueError):
        cidr.subnet_at(parent, 8, 0)
