"""`observe_many` exposes exactly what one `Histogram.observe` a value exposes."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from streams.metrics import LAG_BUCKETS, observe_many

#: the bucket bounds themselves, either side of them, and anything else
values = st.one_of(
    st.sampled_from([b for b in LAG_BUCKETS if not math.isinf(b)]),
    st.sampled_from(LAG_BUCKETS[:-1]).map(lambda b: math.nextafter(b, math.inf)),
    st.sampled_from(LAG_BUCKETS[:-1]).map(lambda b: math.nextafter(b, -math.inf)),
    st.floats(min_value=-10.0, max_value=1e7, allow_nan=False),
    st.just(math.nan),
    st.just(math.inf),
)


def exposition(batches: list[list[float]], many: bool) -> bytes:
    registry = CollectorRegistry()
    hist = Histogram("lag", "lag", ["stream"], buckets=LAG_BUCKETS, registry=registry)
    child = hist.labels("web.page-viewed")
    for batch in batches:
        if many:
            observe_many(child, batch)
        else:
            for value in batch:
                child.observe(value)
    return generate_latest(registry)


@given(st.lists(st.lists(values, max_size=30), max_size=5))
def test_the_same_buckets_count_and_sum_as_observe(batches: list[list[float]]) -> None:
    assert exposition(batches, many=True) == exposition(batches, many=False)


def test_it_counts_at_all() -> None:
    text = exposition([[0.5, 0.5, 2.0]], many=True).decode()
    assert 'lag_count{stream="web.page-viewed"} 3.0' in text
    assert 'lag_sum{stream="web.page-viewed"} 3.0' in text
