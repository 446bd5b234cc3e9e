"""Registries features add themselves to: one entry per name."""
from __future__ import annotations

import pytest

from common.registry import register_once


def test_a_name_takes_one_entry_and_registering_it_again_is_harmless() -> None:
    table: dict[str, object] = {}

    def first() -> None: ...

    def second() -> None: ...

    assert register_once(table, "remix", "request kind")(first) is first
    assert register_once(table, "remix", "request kind")(first) is first
    with pytest.raises(ValueError, match="request kind 'remix' is already registered"):
        register_once(table, "remix", "request kind")(second)
    assert table == {"remix": first}
