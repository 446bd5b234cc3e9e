"""Finishing requests that a crash or restart interrupted after they were stored but before they were
queued or refused, so that no accepted request is lost."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from storage import requests as request_store
from storage.requests import StoredRequest
from studio.challenges import ChallengeService
from common.errors import ReelbotError
from studio.errors import StudioError
from studio.remix import fulfil_remix, stored_change
from studio.service import Accepted, Member, Studio, VideoOptions

log = logging.getLogger(__name__)

INTERRUPTED = "This request was interrupted by a restart of the bot. Please send it again."


@dataclass(frozen=True)
class Resumed:
    request: StoredRequest
    accepted: Accepted | None = None
    # The refusal to show the member when the request can't be finished.
    error: str | None = None


async def resume_requests(studio: Studio, transport: str) -> list[Resumed]:
    """Finish the unfinished requests that came through `transport` ("discord", "console"), so
    front-ends sharing a database never both take one."""
    resumed = []
    for stored in await studio.adb.call(request_store.unfinished_requests, transport):
        try:
            resumed.append(Resumed(stored, accepted=await _fulfil(studio, stored)))
        except ReelbotError as error:
            log.info("request %s refused on resume: %s", stored.id, error.user_message)
            resumed.append(Resumed(stored, error=error.user_message))
    return resumed


async def _fulfil(studio: Studio, stored: StoredRequest) -> Accepted:
    member = Member.of_request(stored)
    settings = await studio.settings(stored.guild_id)
    if stored.kind == "create":
        options = VideoOptions(**stored.options)
        return await studio.fulfil_create(stored.id, member, stored.text, options, settings, stored.origin)
    if stored.kind == "remix":
        clip_id = stored.options["clip_id"]
        change = stored_change(stored.options)
        return await fulfil_remix(studio, stored.id, member, clip_id, change, settings, stored.origin)
    if stored.kind == "relay":
        return (await ChallengeService(studio).resume_relay(stored)).accepted
    # A kind this version does not know (written by a newer one): refuse rather than guess.
    await studio.adb.call(request_store.reject_request, stored.id, INTERRUPTED)
    raise StudioError(INTERRUPTED)
