"""Registries that features add themselves to with a decorator, one entry per name."""
from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TypeVar

T = TypeVar("T")


def register_once(table: MutableMapping[str, T], name: str, what: str) -> Callable[[T], T]:
    """A decorator that puts what it decorates into `table` under `name` and returns it unchanged.
    Registering the same object again is harmless (a module imported twice); another object under a taken
    name raises ValueError naming `what` ("request kind", "forgetter") and `name`."""

    def register(entry: T) -> T:
        if table.get(name, entry) is not entry:
            raise ValueError(f"{what} {name!r} is already registered")
        table[name] = entry
        return entry

    return register
