"""The few statistics campaign results need, without scipy (not a dependency).

- Normal quantiles: statistics.NormalDist (standard library).
- Student t quantiles: the t CDF through the regularized incomplete beta function
  I_x(a, b), evaluated by its continued fraction (modified Lentz, as in Numerical Recipes
  §6.4), inverted by bisection to 1e-10; exact to well past the printed digits for df >= 1.
- Conversion uplift: difference of proportions with the unpooled (Wald) 95 % interval
  p1 - p2 ± z * sqrt(p1(1-p1)/n1 + p2(1-p2)/n2); ratio p1/p2 with the log interval
  exp(ln(p1/p2) ± z * sqrt((1-p1)/x1 + (1-p2)/x2)) (none when a group has no conversion).
- Revenue per customer: Welch's interval (means m1 - m2 ± t(df) * se, se² = s1²/n1 + s2²/n2,
  df by Welch-Satterthwaite); the ratio m1/m2 with the delta-method interval on ln.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)


def _betacf(a: float, b: float, x: float) -> float:
    tiny, eps = 1e-300, 3e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < eps:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _betacf(a, b, x) / a
    return 1 - front * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t distribution's p-quantile (0 < p < 1) by bisection on t_cdf."""
    if not math.isfinite(df) or df > 1e7:
        return NormalDist().inv_cdf(p)
    low, high = -1e4, 1e4
    for _ in range(200):
        mid = (low + high) / 2
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-10:
            break
    return (low + high) / 2


@dataclass(frozen=True)
class Uplift:
    difference: float
    low: float | None
    high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


def proportions(x1: int, n1: int, x2: int, n2: int) -> Uplift | None:
    """Treatment x1/n1 against holdout x2/n2; None when a group is empty."""
    if not n1 or not n2:
        return None
    p1, p2 = x1 / n1, x2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    ratio = lo = hi = None
    if x1 and x2:
        ratio = p1 / p2
        se_log = math.sqrt((1 - p1) / x1 + (1 - p2) / x2)
        lo, hi = ratio * math.exp(-Z95 * se_log), ratio * math.exp(Z95 * se_log)
    return Uplift(p1 - p2, p1 - p2 - Z95 * se, p1 - p2 + Z95 * se, ratio, lo, hi)


def welch(n1: int, s1: float, q1: float, n2: int, s2: float, q2: float) -> Uplift | None:
    """Means from counts n, sums s and sums of squares q; None when a group has fewer than 2."""
    if n1 < 2 or n2 < 2:
        return None
    m1, m2 = s1 / n1, s2 / n2
    v1, v2 = max(q1 - s1 * s1 / n1, 0.0) / (n1 - 1), max(q2 - s2 * s2 / n2, 0.0) / (n2 - 1)
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    if se == 0:
        low = high = m1 - m2
    else:
        df = (a + b) ** 2 / ((a * a / (n1 - 1) if a else 0) + (b * b / (n2 - 1) if b else 0))
        t = t_quantile(0.975, df)
        low, high = m1 - m2 - t * se, m1 - m2 + t * se
    ratio = lo = hi = None
    if m1 > 0 and m2 > 0:
        ratio = m1 / m2
        se_log = math.sqrt(a / (m1 * m1) + b / (m2 * m2))
        lo, hi = ratio * math.exp(-Z95 * se_log), ratio * math.exp(Z95 * se_log)
    return Uplift(m1 - m2, low, high, ratio, lo, hi)
