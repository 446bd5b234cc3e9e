"""How a stored request ends when it can't be fulfilled: refused, or, when another program holds the database,
kept and finished later.

Every kind of request is stored first (`Studio.record_request`) and then fulfilled. A refusal is written
on the request (`reject_request`) and raised to the member. But a `DatabaseBusy` (the database stayed locked
past `storage.db.LOCK_WAIT_S`) is no refusal: the stored request is kept as received, this process finishes
it in the background once the database is free (with the very function a restart uses, `studio.resume`),
and the member is told their request is saved (code "busy_saved"). A request whose storing itself met the
lock was never saved: the plain `DatabaseBusy` ("try again") reaches the member.
"""
from __future__ import annotations

import asyncio
import logging
from typing import NoReturn, Protocol

from common.errors import ReelbotError
from storage import requests as request_store
from storage.aio import AsyncDatabase
from storage.db import DatabaseBusy
from studio.request_kinds import resumer_for

log = logging.getLogger(__name__)

# Seconds between tries to finish a request kept while the database was busy, doubling up to the maximum.
RETRY_FIRST_S = 5.0
RETRY_MAX_S = 120.0


class KeepsRequests(Protocol):
    """What keeping a request needs of the studio (`studio.service.Studio` is one): its database, and the
    background tasks finishing kept requests by request id, which it cancels when it closes."""

    adb: AsyncDatabase
    finishing_later: dict[int, asyncio.Task]


async def refuse_or_keep(studio: KeepsRequests, request_id: int, error: ReelbotError) -> NoReturn:
    """End a stored request that failed with `error`: a refusal is recorded on the request and re-raised; a
    `DatabaseBusy` keeps the request, starts finishing it in the background (`finish_later`) and raises
    DatabaseBusy with code "busy_saved". Raises always."""
    if isinstance(error, DatabaseBusy):
        finish_later(studio, request_id)
        raise DatabaseBusy(
            "Reelbot's database is busy (another program is holding it). Your request #{request_id} is saved: "
            "Reelbot will queue it by itself as soon as the database is free.",
            code="busy_saved", detail=error.detail, request_id=request_id,
        ) from error
    await studio.adb.write(request_store.reject_request, request_id, error.user_message)
    raise error


def finish_later(studio: KeepsRequests, request_id: int) -> None:
    """Finish the stored request `request_id` in a background task of this process, retrying with backoff
    while the database stays busy; one task per request. The task ends when the request is queued or
    refused (recorded on the request, as any refusal), or when the studio closes (a restart finishes it)."""
    tasks: dict[int, asyncio.Task] = studio.finishing_later
    if request_id in tasks and not tasks[request_id].done():
        return
    tasks[request_id] = asyncio.get_running_loop().create_task(_finish(studio, request_id))


async def _finish(studio: KeepsRequests, request_id: int) -> None:
    delay = RETRY_FIRST_S
    while True:
        await asyncio.sleep(delay)
        delay = min(RETRY_MAX_S, delay * 2)
        try:
            stored = await studio.adb.read(request_store.get_request, request_id)
            resumer = resumer_for(stored.kind)
            if stored.status != "received" or resumer is None:
                return
            accepted = await resumer(studio, stored)
        except DatabaseBusy:
            log.warning("request %s: the database is still busy; trying again in %.0fs", request_id, delay)
            continue
        except ReelbotError as error:
            log.info("request %s refused once the database was free: %s", request_id, error.user_message)
            return
        except Exception:  # a bug: the request stays as received, and the next start tries it (or fails it)
            log.exception("request %s crashed while being finished in the background", request_id)
            return
        log.info("request %s queued once the database was free: clip #%s", request_id, accepted.clip.id)
        return
