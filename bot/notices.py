"""Remix notices in Discord: when a remix is posted, its original's author gets a short direct message, in
their own language, linking the remix (studio.notices decides who; `/remixes notify:False` turns it off).

A direct message rather than a line in the channel: the channel stays one message per request, the author
hears of it wherever they are, in their language, and nobody else is pinged. A member who doesn't take
direct messages from server members simply isn't told (Discord refuses, which is logged, not retried).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot import shown
from bot.embeds import clip_text, message_link
from bot.i18n import _, pgettext, use
from bot.i18n.discord import server_language
from bot.origin import Origin
from studio.job_views import JobView
from studio.notices import remix_notice
from studio.service import Studio

if TYPE_CHECKING:
    from bot.app import ReelBot

log = logging.getLogger(__name__)


def notice_text(remixer: str, parent_id: int, title: str, link: str) -> str:
    """The notice, in the current language: who remixed which clip, the link, and how to turn it off."""
    return "\n".join([
        _("🔁 **{remixer}** remixed your clip #{clip_id} “{title}”: {link}", remixer=clip_text(remixer, 80),
          clip_id=parent_id, title=clip_text(title, 100), link=link),
        _("-# I tell you when someone remixes your clips. `{command}` turns these notes off.", command=off_command()),
    ])


def off_command() -> str:
    """`/remixes notify:False` as the member's client names it (localized command and option names)."""
    return f"/{pgettext('command', 'remixes')} {pgettext('option', 'notify')}:False"


class RemixNotices:
    """The delivery loop's hook (`Delivery.after_post`) that tells authors their clip was remixed."""

    def __init__(self, bot: "ReelBot") -> None:
        self.bot = bot

    @property
    def studio(self) -> Studio:
        return self.bot.studio

    async def after_post(self, view: JobView, origin: Origin, posted_message_id: int) -> None:
        notice = await remix_notice(self.studio, view.clip)
        if notice is None:
            return
        parent, remix = notice.parent, notice.remix
        language = notice.language or await server_language(self.studio, self.bot, origin.guild_id)
        with use(language):
            text = notice_text(remix.author_name, parent.id, parent.shot_list.get("title") or parent.request,
                               message_link(origin.guild_id, origin.channel_id, posted_message_id))
        try:
            user = self.bot.get_user(notice.author_id) or await self.bot.fetch_user(notice.author_id)
            message = await user.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:  # DMs closed, or the member left: they simply aren't told
            log.info("could not tell member %s that clip %s was remixed: %s", notice.author_id, parent.id, error)
            return
        await self.studio.record_post(shown.notice_post(message, remix, notice.author_id))
