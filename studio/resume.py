"""Finishing requests that a crash or restart interrupted after they were stored but before they were
queued or refused, so that no accepted request is lost."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from storage import requests as request_store
from storage.requests import StoredRequest
from common.errors import ReelbotError
from studio.request_kinds import resumer_for
from studio.requests import Accepted
from studio.service import Studio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resumed:
    """One interrupted request and how it ended: accepted (queued again) or refused with `error`."""

    request: StoredRequest
    accepted: Accepted | None = None
    # The refusal to show the member when the request can't be finished (front-ends translate its template).
    error: ReelbotError | None = None


async def resume_requests(studio: Studio, transport: str) -> list[Resumed]:
    """Finish the unfinished requests that came through `transport` ("discord", "console"), so
    front-ends sharing a database never both take one. A request of a kind that no feature loaded here
    knows (a newer version wrote it, or this front-end lacks the feature) is left for one that does."""
    resumed = []
    for stored in await studio.adb.read(request_store.unfinished_requests, transport):
        resumer = resumer_for(stored.kind)
        if resumer is None:
            log.warning("request %s is of kind %r, which no loaded feature finishes; leaving it", stored.id, stored.kind)
            continue
        try:
            resumed.append(Resumed(stored, accepted=await resumer(studio, stored)))
        except ReelbotError as error:
            log.info("request %s refused on resume: %s", stored.id, error.user_message)
            resumed.append(Resumed(stored, error=error))
    return resumed
