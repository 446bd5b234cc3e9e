"""Pictures from Discord: an attachment of the command, or of the message a member replied to.

Checked before download (declared size, content type) and after (studio.pictures.read_picture), so a
huge or hostile file never reaches the decoder. A member only ever uses pictures they could see: one they
attached, or one in the channel where they are replying.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import discord

from studio.pictures import FORMATS, Picture, PictureError, check_declared_size, read_picture

_TYPES = {f"image/{name}" for name in FORMATS.values()}


def is_picture(attachment: discord.Attachment) -> bool:
    """Whether an attachment says it is an image at all (a reply to a video or a text file isn't one)."""
    return (attachment.content_type or "").split(";")[0].startswith("image/")


async def read_attachment(attachment: discord.Attachment, media_dir: Path) -> Picture:
    """Download, check and store an attachment. Raises PictureError (see studio.pictures.read_picture)."""
    check_declared_size(attachment.size)
    content_type = (attachment.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in _TYPES:
        raise PictureError("{name} is {kind}; send a PNG, JPEG or WebP picture.", code="picture_type",
                           name=attachment.filename, kind=content_type)  # fmt: skip
    try:
        data = await attachment.read()
    except discord.HTTPException as exc:
        raise PictureError("I couldn't download {name}; try attaching it again.", code="picture_download",
                           name=attachment.filename, detail=repr(exc)) from exc  # fmt: skip
    return await asyncio.to_thread(read_picture, data, media_dir)
