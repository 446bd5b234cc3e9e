"""What the views, cogs and delivery need of the running bot, as protocols beneath them all.

`bot.app.ReelBot` is the one host; naming it here would tie every view back to the module that loads
them (an import circle), so the views ask an interaction for its `ReelHost` instead.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, cast

import discord

from bot.gallery.links import GalleryLinks
from bot.origin import Origin
from studio.requests import Accepted
from studio.service import Studio


class StatusMessages(Protocol):
    """The part of `bot.posting.Delivery` an interaction works with."""

    @property
    def upload_dir(self) -> Path:
        """Where fitted uploads and the pictures members attach are kept."""
        ...

    def status(self, accepted: Accepted, *, credit: str = "") -> dict[str, Any]:
        """The fields of a freshly queued clip's status message, remembered for the progress edits."""
        ...

    def hold(self, message_id: int) -> AbstractContextManager[None]:
        """Keep the delivery loop from editing status message `message_id` while the block fills it in."""
        ...

    async def edit_status(self, origin: Origin, *, budgeted: bool = False, **fields: Any) -> bool:
        """Edit the status message of `origin` within its channel's budget; False when it can't be edited."""
        ...

    async def gallery_links(self, guild_id: int | None) -> GalleryLinks | None:
        """Signed links into the server's gallery, or None when the gallery is off."""
        ...


class ReelHost(Protocol):
    """The running bot as its views see it: the studio, and the delivery of status messages and clips."""

    studio: Studio
    delivery: StatusMessages


def host_of(interaction: discord.Interaction) -> ReelHost:
    """The bot that received `interaction` (always a `bot.app.ReelBot`)."""
    return cast(ReelHost, interaction.client)
