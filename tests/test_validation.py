import pulumi
import pytest

from components import ValidationError
from components.validation import Problems, is_uuid, unknown_keys


def test_one_error_lists_every_problem_with_field_value_and_allowed():
    problems = Problems("KafkaPrivateLinkCluster 'k'")
    problems.integer(0, "broker_count", 1, 49)
    problems.string("Bad_Name", "unique_name", r"[a-z0-9]+", "lowercase letters and digits")
    problems.one_of("sctp", "protocol", ["udp", "tcp"])
    with pytest.raises(ValidationError) as info:
        problems.raise_if_any()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.fields == ["broker_count", "unique_name", "protocol"]
    text = str(err)
    assert "KafkaPrivateLinkCluster 'k': 3 invalid input(s)" in text
    assert "broker_count: got 0; an integer from 1 to 49" in text
    assert "unique_name: got 'Bad_Name'; lowercase letters and digits" in text
    assert "protocol: got 'sctp'; one of 'udp', 'tcp'" in text


def test_no_problems_raises_nothing_and_getters_return_values():
    problems = Problems("x")
    assert problems.integer(5, "n", 1, 9) == 5
    assert problems.boolean(True, "flag") is True
    assert problems.string_list(["a", "b"], "names", 1) == ["a", "b"]
    assert problems.uuid("8f1b2c3d-0000-4000-8000-000000000000", "id") is not None
    problems.raise_if_any()
    assert not problems


@pytest.mark.parametrize("value", [True, 1.5, "3", None])
def test_integer_rejects_non_integers_including_bool(value):
    problems = Problems("x")
    assert problems.integer(value, "n", 0, 10) is None
    assert problems.items[0].field == "n"


def test_string_list_reports_duplicates_by_name():
    problems = Problems("x")
    problems.string_list(["us-east-1", "eu-west-1", "us-east-1"], "regions", 2, 11)
    assert "duplicated: us-east-1" in str(problems.items[0])


def test_an_output_where_a_plain_value_is_needed_is_named(runtime):
    problems = Problems("x")
    assert problems.string(pulumi.Output.from_input("x"), "name") is None
    assert problems.integer([pulumi.Output.from_input(1)], "count") is None
    assert [p.field for p in problems.items] == ["name", "count"]
    assert all(p.allowed == "a plain value known before deployment; got an Output" for p in problems.items)
    assert "name: got <Output>; a plain value known before deployment" in str(problems.items[0])


def test_uuid_and_unknown_keys():
    assert is_uuid("55f300d4-fc50-4c5e-9222-e90a6e2187fb")
    assert not is_uuid("55f300d4fc504c5e9222e90a6e2187fb")
    assert not is_uuid(None)
    problems = Problems("x")
    unknown_keys({"regions": [], "regoins": []}, ["regions"], problems, prefix="aurora.")
    assert problems.items[0].field == "aurora.regoins"
    assert "allowed keys: regions" in problems.items[0].allowed


def test_long_values_are_shortened_in_messages():
    problems = Problems("x")
    problems.add("blob", "y" * 500, "short")
    assert len(str(problems.items[0])) < 200


def test_merge_prefixes_a_components_problems():
    inner = Problems("OpenVpnGateway")
    inner.integer(0, "port", 1, 65535)
    outer = Problems("stack config")
    with pytest.raises(ValidationError) as info:
        inner.raise_if_any()
    outer.merge(info.value, "crossnet:vpn.gateway.")
    assert [str(p) for p in outer.items] == ["crossnet:vpn.gateway.port: got 0; an integer from 1 to 65535"]
