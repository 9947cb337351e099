"""Google Cloud regions and zones, as a table with its source and date.

Source: Google's "Regions and zones" table (https://cloud.google.com/compute/docs/regions-zones,
the same list ``gcloud compute zones list`` prints), transcribed 2026-12-02. Google adds regions a
few times a year: add the row here (region -> its zone letters) when one is announced; a name not
in the table is refused before any resource is created, with the closest known name suggested.
"""

from __future__ import annotations

import difflib
import re

from ..validation import Problems

SOURCE = "https://cloud.google.com/compute/docs/regions-zones"
AS_OF = "2026-12-02"

# region -> the letters of its zones (europe-west1 has b, c, d; us-central1 a, b, c, f)
ZONE_LETTERS: dict[str, str] = {
    "africa-south1": "abc",
    "asia-east1": "abc",
    "asia-east2": "abc",
    "asia-northeast1": "abc",
    "asia-northeast2": "abc",
    "asia-northeast3": "abc",
    "asia-south1": "abc",
    "asia-south2": "abc",
    "asia-southeast1": "abc",
    "asia-southeast2": "abc",
    "australia-southeast1": "abc",
    "australia-southeast2": "abc",
    "europe-central2": "abc",
    "europe-north1": "abc",
    "europe-north2": "abc",
    "europe-southwest1": "abc",
    "europe-west1": "bcd",
    "europe-west2": "abc",
    "europe-west3": "abc",
    "europe-west4": "abc",
    "europe-west6": "abc",
    "europe-west8": "abc",
    "europe-west9": "abc",
    "europe-west10": "abc",
    "europe-west12": "abc",
    "me-central1": "abc",
    "me-central2": "abc",
    "me-west1": "abc",
    "northamerica-northeast1": "abc",
    "northamerica-northeast2": "abc",
    "northamerica-south1": "abc",
    "southamerica-east1": "abc",
    "southamerica-west1": "abc",
    "us-central1": "abcf",
    "us-east1": "bcd",
    "us-east4": "abc",
    "us-east5": "abc",
    "us-south1": "abc",
    "us-west1": "abc",
    "us-west2": "abc",
    "us-west3": "abc",
    "us-west4": "abc",
}

REGIONS: frozenset[str] = frozenset(ZONE_LETTERS)
ZONES: frozenset[str] = frozenset(f"{r}-{z}" for r, letters in ZONE_LETTERS.items() for z in letters)


def region_of_zone(zone: str) -> str:
    """``europe-west1-b`` -> ``europe-west1``."""
    return zone.rsplit("-", 1)[0]


def _hint(value: str, choices: frozenset[str]) -> str:
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean {close[0]}? " if close else ""


def check_region(problems: Problems, value: object, field: str) -> str | None:
    """Record a problem unless ``value`` is a GCP region in the table; return it when it is."""
    if isinstance(value, str) and value in REGIONS:
        return value
    hint = _hint(value, REGIONS) if isinstance(value, str) else ""
    problems.add(field, value, f"a Google Cloud region ({hint}table of {AS_OF}: {SOURCE})")
    return None


def check_zone(problems: Problems, value: object, field: str, region: str | None = None) -> str | None:
    """Record a problem unless ``value`` is a zone in the table (and of ``region`` when given)."""
    if not isinstance(value, str) or value not in ZONES:
        known_region = isinstance(value, str) and region_of_zone(value) in REGIONS
        if known_region:
            letters = ZONE_LETTERS[region_of_zone(str(value))]
            allowed = f"a zone of {region_of_zone(str(value))}: " + ", ".join(
                f"{region_of_zone(str(value))}-{z}" for z in letters
            )
        else:
            hint = _hint(value, ZONES) if isinstance(value, str) and re.match(r"[a-z]", value) else ""
            allowed = f"a Google Cloud zone such as europe-west1-b ({hint}table of {AS_OF}: {SOURCE})"
        problems.add(field, value, allowed)
        return None
    if region is not None and region_of_zone(value) != region:
        problems.add(field, value, f"a zone of region {region}")
        return None
    return value
