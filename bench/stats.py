"""Pure helpers: medians, a least-squares line, and the linear-growth check."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


@dataclass(frozen=True)
class Line:
    """``y = intercept + slope * x`` fitted by least squares."""

    slope: float
    intercept: float
    r2: float


def fit(xs: Sequence[float], ys: Sequence[float]) -> Line:
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("fit needs at least two (x, y) pairs of equal length")
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("fit needs at least two distinct x values")
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1.0 if ss_tot == 0 else 1.0 - ss_res / ss_tot
    return Line(slope, intercept, r2)


def segment_slopes(xs: Sequence[float], ys: Sequence[float]) -> list[float]:
    """Slopes between consecutive points (xs ascending)."""
    pairs = sorted(zip(xs, ys, strict=True))
    return [(y1 - y0) / (x1 - x0) for (x0, y0), (x1, y1) in itertools.pairwise(pairs)]


def linear(xs: Sequence[float], ys: Sequence[float], tolerance: float, absolute: float = 0.0) -> bool:
    """True when growth is at most linear: no later segment is steeper than the first.

    ``tolerance`` is the allowed ratio (1.1 = 10% steeper); ``absolute`` an allowed
    difference in slope units that absorbs timer noise when slopes are tiny. Needs
    three or more sizes: two points always lie on a line.
    """
    slopes = segment_slopes(xs, ys)
    if len(slopes) < 2:
        raise ValueError("linearity needs at least three sizes")
    first = slopes[0]
    return all(s <= first * tolerance + absolute for s in slopes[1:])
