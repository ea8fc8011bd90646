"""The interval audit (publishing/interval_audit.py): linear programming by HiGHS over small
hand-made publications whose intervals can be worked out by hand, then the demo publication."""

from __future__ import annotations

import pandas as pd
import pytest

from publishing.interval_audit import audit, protection
from publishing.linked import PublishedModel


def _model(
    name: str, cells: list[tuple], identities: list[list[tuple[int, int]]]
) -> PublishedModel:
    """cells: (key, value, published); every identity: [(cell, coef), ...] summing to 0."""
    frame = pd.DataFrame(
        {
            "key": [k for k, _, _ in cells],
            "value": pd.array([v for _, v, _ in cells], dtype="Int64"),
            "threshold": [10] * len(cells),
            "virtual": [False] * len(cells),
            "published": [p for _, _, p in cells],
        }
    )
    terms = pd.DataFrame(
        [(i, c, k) for i, ident in enumerate(identities) for c, k in ident],
        columns=["identity", "cell", "coef"],
    )
    return PublishedModel(name, frame, terms, ["margin"] * len(identities))


def _interval(result, key):
    return next((i.low, i.high) for i in result.intervals if i.key == key)


def test_two_small_counts_under_a_published_total_of_twelve_are_protected():
    # a + b = total: a = 3, b = 9 hidden (both small), total 12 published. Each is from 1 to
    # 10 (the page says so), so a is from 2 to 10: 8 wide, more than the 4.5 asked.
    m = _model(
        "p", [("a", 3, False), ("b", 9, False), ("total", 12, True)], [[(2, 1), (0, -1), (1, -1)]]
    )
    result = audit([m])
    assert _interval(result, "a") == pytest.approx((2, 10))
    assert _interval(result, "b") == pytest.approx((2, 10))
    assert result.passed and not result.exposed


def test_a_small_total_split_in_two_small_counts_is_exposed():
    # a + b = 5 published (a total that small would be hidden; here it is planted): a is from
    # 1 to 4, 3 wide: narrower than asked.
    m = _model(
        "p", [("a", 3, False), ("b", 2, False), ("total", 5, True)], [[(2, 1), (0, -1), (1, -1)]]
    )
    result = audit([m])
    assert _interval(result, "a") == pytest.approx((1, 4))
    assert not result.passed
    assert {i.key for i in result.exposed} == {"a", "b"}
    assert all(i.width < protection(10) for i in result.exposed)


def test_non_negativity_pins_what_linear_algebra_alone_leaves_free():
    # a (2, small) + c (11) = 13 published; c = d + 11 with d (0) hidden too and 11 published.
    # Two identities, three unknowns: none is fixed. But d is a count, at least 0, so c is at
    # least 11 and a at most 2: a is 1 or 2, exposed.
    m = _model(
        "p",
        [("a", 2, False), ("c", 11, False), ("total", 13, True), ("d", 0, False), ("n", 11, True)],
        [[(2, 1), (0, -1), (1, -1)], [(1, 1), (3, -1), (4, -1)]],
    )
    result = audit([m])
    assert _interval(result, "a") == pytest.approx((1, 2))
    assert not result.passed and [i.key for i in result.exposed] == ["a"]


def test_an_earlier_publication_narrows_the_interval():
    # July: a + b = 14 (a = 4, b = 10 hidden). October: the same a, b and a new c = 3 with
    # a + b + c = 17 published... and July's total 14 published: c is fixed (17 - 14).
    july = _model(
        "july", [("a", 4, False), ("b", 10, False), ("t", 14, True)], [[(2, 1), (0, -1), (1, -1)]]
    )
    october = _model(
        "october",
        [("a", 4, False), ("b", 10, False), ("c", 3, False), ("t", 17, True)],
        [[(3, 1), (0, -1), (1, -1), (2, -1)]],
    )
    alone = audit([october])
    assert _interval(alone, "c") == pytest.approx((1, 10))  # b can be up to 10 on its own
    together = audit([july, october])
    assert _interval(together, "c") == pytest.approx((3, 3))
    assert not together.passed
    # A key is a different cell in every table: the July t is not the October t.
    assert {i.publication for i in together.intervals} == {"october"}


def test_the_shortcut_through_solutions_seen_decides_as_the_full_programmes(monkeypatch):
    """A target whose values over the solutions seen already span the protection is not solved
    on its own; on random publications this decides every cell as solving each would."""
    import random

    import publishing.interval_audit as ia

    rng = random.Random(7)
    for round_ in range(30):
        n = rng.randint(4, 9)
        values = [rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35]) for _ in range(n)]
        published = [v == 0 or v > 10 or rng.random() < 0.2 for v in values]
        cells = [
            (f"c{i}", v, p and not 0 < v <= 10) for i, (v, p) in enumerate(zip(values, published))
        ]
        identities = []
        for _ in range(rng.randint(1, 4)):
            parts = rng.sample(range(n), rng.randint(2, min(4, n)))
            total = sum(values[p] for p in parts)
            cells.append((f"t{len(cells)}", total, not 0 < total <= 10))
            identities.append([(len(cells) - 1, 1)] + [(p, -1) for p in parts])
        m = _model(f"r{round_}", cells, identities)
        quick = {i.key: i.exposed for i in audit([m]).intervals}
        monkeypatch.setattr(ia, "PROTECTION_SHARE", 1e9)
        exact = {i.key: i.width < 0.5 * 9 - 1e-6 for i in audit([m]).intervals}
        monkeypatch.setattr(ia, "PROTECTION_SHARE", 0.5)
        assert quick == exact, (round_, cells, identities)
