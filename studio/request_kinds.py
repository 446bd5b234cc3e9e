"""Request kinds and how each is finished after a restart: every feature registers its own kind here
(`@finishes("remix")`), so `studio.resume` needs no list of features and a new feature edits nothing else.

A resumer takes the Studio (`studio.service.Studio`, which sits above this registry and so is not named in
its type) and the stored request (`storage.requests.StoredRequest`) and returns the accepted clip
(`studio.requests.Accepted`), or raises ReelbotError when the request can no longer be made.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from common.registry import register_once
from storage.requests import StoredRequest
from studio.requests import Accepted

Resumer = Callable[[Any, StoredRequest], Awaitable[Accepted]]

_RESUMERS: dict[str, Resumer] = {}


def finishes(kind: str) -> Callable[[Resumer], Resumer]:
    """Register the decorated coroutine as the way to finish stored requests of `kind`; one per kind
    (a second registration of a kind raises ValueError)."""
    return register_once(_RESUMERS, kind, "request kind")


def resumer_for(kind: str) -> Resumer | None:
    """How to finish a request of `kind`; None for a kind no feature loaded in this process knows."""
    return _RESUMERS.get(kind)
