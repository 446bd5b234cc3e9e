"""The gallery's URL paths, and the signed links to them that the bot posts and the pages carry.

Every page and file of a server lives under `/g/<server id>/`; the path functions here are the one
definition, used both to build links and by `routes` to match them.
"""
from __future__ import annotations

from pathlib import Path

from bot.gallery.signing import Signer, load_secret
from studio.config import Config

# The query parameter carrying a link's signature.
TOKEN_PARAM = "s"


def server_path(guild_id: int) -> str:
    return f"/g/{guild_id}/"


def clip_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}"


def video_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}/video.mp4"


def download_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}/download"


def poster_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}/poster.jpg"


def preview_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}/preview.webp"


def storyboard_path(guild_id: int, clip_id: int) -> str:
    return f"/g/{guild_id}/clip/{clip_id}/storyboard.png"


def member_path(guild_id: int, user_id: int) -> str:
    return f"/g/{guild_id}/member/{user_id}"


def character_path(guild_id: int, character_id: int) -> str:
    return f"/g/{guild_id}/character/{character_id}"


def character_picture_path(guild_id: int, character_id: int, number: int) -> str:
    return f"/g/{guild_id}/character/{character_id}/picture-{number}.png"


def challenges_path(guild_id: int) -> str:
    return f"/g/{guild_id}/challenges"


def challenge_path(guild_id: int, challenge_id: int) -> str:
    return f"/g/{guild_id}/challenge/{challenge_id}"


def film_path(guild_id: int, challenge_id: int) -> str:
    return f"/g/{guild_id}/challenge/{challenge_id}/film.mp4"


def leaderboard_path(guild_id: int, challenge_id: int) -> str:
    return f"/g/{guild_id}/challenge/{challenge_id}/leaderboard.png"


class GalleryLinks:
    """Signed links to a gallery. `base_url` ("" for links relative to the gallery itself) is the
    address members open, e.g. "https://films.example.org"."""

    def __init__(self, signer: Signer, base_url: str = "") -> None:
        self.signer = signer
        self.base_url = base_url.rstrip("/")

    @classmethod
    def of(cls, config: Config) -> "GalleryLinks":
        """Links with the configured public address, signed with the secret in `config.home`."""
        return cls(Signer(load_secret(Path(config.home))), config.gallery.public_url)

    def signed(self, guild_id: int, path: str) -> str:
        return f"{self.base_url}{path}?{TOKEN_PARAM}={self.signer.sign(guild_id, path)}"

    def server(self, guild_id: int) -> str:
        return self.signed(guild_id, server_path(guild_id))

    def clip(self, guild_id: int, clip_id: int) -> str:
        return self.signed(guild_id, clip_path(guild_id, clip_id))

    def challenge(self, guild_id: int, challenge_id: int) -> str:
        return self.signed(guild_id, challenge_path(guild_id, challenge_id))

    def character(self, guild_id: int, character_id: int) -> str:
        return self.signed(guild_id, character_path(guild_id, character_id))

    def member(self, guild_id: int, user_id: int) -> str:
        return self.signed(guild_id, member_path(guild_id, user_id))


class PageLinks:
    """The signed links of one server's pages, for templates: `u.clip(12)`, `u.member(7)`, …"""

    def __init__(self, links: GalleryLinks, guild_id: int) -> None:
        self._links = links
        self.guild_id = guild_id

    def _signed(self, path: str) -> str:
        return self._links.signed(self.guild_id, path)

    def server(self, before_id: int | None = None) -> str:
        link = self._signed(server_path(self.guild_id))
        return link if before_id is None else f"{link}&before={before_id}"

    def clip(self, clip_id: int) -> str:
        return self._signed(clip_path(self.guild_id, clip_id))

    def video(self, clip_id: int) -> str:
        return self._signed(video_path(self.guild_id, clip_id))

    def download(self, clip_id: int) -> str:
        return self._signed(download_path(self.guild_id, clip_id))

    def poster(self, clip_id: int) -> str:
        return self._signed(poster_path(self.guild_id, clip_id))

    def preview(self, clip_id: int) -> str:
        return self._signed(preview_path(self.guild_id, clip_id))

    def storyboard(self, clip_id: int) -> str:
        return self._signed(storyboard_path(self.guild_id, clip_id))

    def member(self, user_id: int) -> str:
        return self._signed(member_path(self.guild_id, user_id))

    def character(self, character_id: int) -> str:
        return self._signed(character_path(self.guild_id, character_id))

    def character_picture(self, character_id: int, number: int) -> str:
        return self._signed(character_picture_path(self.guild_id, character_id, number))

    def challenges(self) -> str:
        return self._signed(challenges_path(self.guild_id))

    def challenge(self, challenge_id: int) -> str:
        return self._signed(challenge_path(self.guild_id, challenge_id))

    def film(self, challenge_id: int) -> str:
        return self._signed(film_path(self.guild_id, challenge_id))

    def leaderboard(self, challenge_id: int) -> str:
        return self._signed(leaderboard_path(self.guild_id, challenge_id))
