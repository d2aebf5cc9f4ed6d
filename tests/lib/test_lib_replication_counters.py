"""Per-replica counts (G-counters) for shopping carts: concurrent additions add up."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scalelab.replication import (
    add_to_cart,
    cart_totals,
    merge_cart_counts,
    merge_carts,
    merge_counts,
)

_counts = st.dictionaries(st.sampled_from("ABC"), st.integers(0, 5), max_size=3)
_carts = st.dictionaries(st.sampled_from(["book", "pen", "mug"]), _counts, max_size=3)


def test_concurrent_increments_of_one_item_add_up():
    start = {"book": {"A": 1}}
    a = add_to_cart(start, "book", "A")
    b = add_to_cart(start, "book", "B")
    assert cart_totals(merge_cart_counts(a, b)) == {"book": 3}
    # the max-of-quantities rule loses one of the two additions
    assert merge_carts(cart_totals(a), cart_totals(b)) == {"book": 2}


def test_add_to_cart_leaves_its_input_alone_and_checks_units():
    cart = {"book": {"A": 1}}
    assert add_to_cart(cart, "pen", "A", n_units=0) == {"book": {"A": 1}, "pen": {"A": 0}}
    assert cart == {"book": {"A": 1}}
    with pytest.raises(ValueError, match="n_units"):
        add_to_cart(cart, "book", "A", n_units=-1)


@given(_carts, _carts, _carts)
@settings(max_examples=100, derandomize=True, deadline=None, database=None)
def test_cart_merge_is_commutative_associative_idempotent(a, b, c):
    assert merge_cart_counts(a, b) == merge_cart_counts(b, a)
    assert merge_cart_counts(merge_cart_counts(a, b), c) == merge_cart_counts(
        a, merge_cart_counts(b, c)
    )
    assert merge_cart_counts(a, a) == {k: merge_counts(v, {}) for k, v in sorted(a.items())}


@given(_counts, st.sampled_from("ABC"), st.sampled_from("ABC"), st.integers(0, 3))
@settings(max_examples=100, derandomize=True, deadline=None, database=None)
def test_every_addition_on_either_side_is_counted(start, node_a, node_b, n_units):
    """Two replicas start equal and each adds on its own: the merge counts both additions."""
    base = {"book": dict(start)}
    a = add_to_cart(base, "book", node_a, n_units=n_units)
    b = add_to_cart(base, "book", node_b, n_units=1)
    total = cart_totals(merge_cart_counts(a, b))["book"]
    want = sum(start.values()) + n_units + 1 if node_a != node_b else None
    if want is not None:
        assert total == want
