"""What members type to point at a clip on Discord: its number (#12) or a link to the message it was
posted as. Message links are Discord's business, so they are read here, not in the core."""
from __future__ import annotations

import re

from studio.converters import to_id
from studio.remix import ClipRef, parse_clip_ref

# https://discord.com/channels/<guild or @me>/<channel>/<message> (Discord's "Copy Message Link"), also
# from canary./ptb. clients and the old discordapp.com domain, optionally in <> to suppress the embed.
_MESSAGE_LINK = re.compile(
    r"<?https?://(?:(?:canary|ptb)\.)?discord(?:app)?\.com/channels/(?:[0-9]+|@me)/[0-9]+/([0-9]+)/?>?",
    re.IGNORECASE | re.ASCII,
)


def clip_ref(text: str) -> ClipRef:
    """A clip number or a message link. Raises InvalidValue (code "invalid_id") for anything else."""
    if match := _MESSAGE_LINK.fullmatch(text.strip()):
        return ClipRef(message_id=to_id(match.group(1), "message"))
    return parse_clip_ref(text)
