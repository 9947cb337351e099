from components import naming


def test_child_names_join_stable_keys():
    assert naming.child("db", "us-east-1", "vpc") == "db-us-east-1-vpc"
    assert naming.child("k", "broker", 3) == "k-broker-3"


def test_slug_lowercases_and_collapses():
    assert naming.slug("Site A / Paris") == "site-a-paris"
    assert naming.child("gw", "Site_B") == "gw-site-b"
