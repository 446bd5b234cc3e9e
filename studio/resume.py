"""Finishing requests that a crash or restart interrupted after they were stored but before they were
queued or refused, so that no accepted request is lost."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from storage import requests as request_store
from storage.requests import StoredRequest
from common.errors import ReelbotError
from studio.errors import StudioError
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
        except Exception as error:  # a bug, or a row no version can read: this request fails, not the others
            resumed.append(Resumed(stored, error=await _failed(studio, stored, error)))
    return resumed


async def _failed(studio: Studio, stored: StoredRequest, error: Exception) -> ReelbotError:
    """Mark a request that crashed while being finished as refused, with a reason the member reads, so no
    later start tries it again; the crash is logged with its traceback."""
    log.error("request %s crashed while being finished on resume; marking it failed", stored.id, exc_info=error)
    failure = StudioError(
        "Your request #{request_id} couldn't be finished after a restart. Sorry: please send it again.",
        code="resume_failed", request_id=stored.id, detail=f"{type(error).__name__}: {error}",
    )
    try:
        await studio.adb.write(request_store.reject_request, stored.id, failure.user_message)
    except Exception:  # noqa: BLE001  # the database itself failing: the next start tries again
        log.exception("request %s: could not record that it failed", stored.id)
    return failure
