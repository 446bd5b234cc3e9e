"""Files a post carries: a clip's video fitted to the channel's upload limit (re-encoded when needed), its
storyboard when both fit, or the grid preview of a clip of takes. Blocking functions (they may encode):
run them in a thread."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import discord

from bot import embeds
from bot.i18n import _, error_message, ngettext
from common.errors import ReelbotError
from generation.encoding import fit_to_limit
from studio.records import Clip, GuildSettings

log = logging.getLogger(__name__)

# Discord's limit for servers without boosts: the safe size to retry at when an upload was refused.
BASE_UPLOAD_LIMIT = GuildSettings().upload_limit
# Discord's error code for a request entity too large.
_TOO_LARGE = 40005


@dataclass(frozen=True)
class Upload:
    video: Path | None
    storyboard: Path | None
    # Why the video (or a take) is missing (too large even at low quality, file gone), for the post's text.
    note: str = ""
    # A clip of takes: each take's short video by take number (1-based), posted in place of the clip.
    takes: tuple[tuple[int, Path], ...] = ()

    def files(self, clip: Clip) -> list[discord.File]:
        # Fresh File objects each time: discord.py closes them after a send, even a refused one.
        files = []
        if self.video is not None:
            files.append(discord.File(self.video, filename=f"clip-{clip.id}.mp4"))
        files += [discord.File(video, filename=take_name(clip, number)) for number, video in self.takes]
        if self.storyboard is not None:
            files.append(discord.File(self.storyboard, filename=storyboard_name(clip)))
        return files

    @property
    def video_bytes(self) -> int:
        videos = [self.video] if self.video is not None else []
        return sum(video.stat().st_size for video in [*videos, *(path for _number, path in self.takes)])

    def text(self, clip: Clip, gallery: str | None) -> list[str]:
        """Lines for the post's text: why the video is missing, and where to watch it whole."""
        reduced = self.video is not None and clip.video_path is not None and self.video != Path(clip.video_path)
        # Takes stand in for their clip, unless one of them had to stay out.
        left_out = self.video is None and (not self.takes or bool(self.note))
        full = embeds.full_clip_line(gallery, left_out=left_out, reduced=reduced)
        return [line for line in (f"⚠️ {self.note}" if self.note else "", full) if line]


def storyboard_name(clip: Clip) -> str:
    return f"storyboard-{clip.id}.png"


def take_name(clip: Clip, number: int) -> str:
    return f"clip-{clip.id}-take-{number}.mp4"


def fit_video(video: Path, limit: int, out_dir: Path, *, stem: str | None = None) -> tuple[Path | None, str]:
    """The video within `limit` bytes (re-encoded once per size, into `out_dir` as `<stem>-<limit>.mp4`),
    or None and why not (in the current language; asyncio.to_thread carries it over). Blocking (it may
    encode): run it in a thread."""
    if video.stat().st_size <= limit:
        return video, ""
    fitted = out_dir / f"{stem or video.stem}-{limit}.mp4"
    if fitted.is_file():  # fit_to_limit only ever writes whole files
        return fitted, ""
    try:
        return fit_to_limit(video, limit, fitted), ""
    except ReelbotError as error:
        return None, error_message(error)
    except Exception:  # the encoder gives up in its own ways at absurdly low bitrates
        log.exception("could not fit %s into %s bytes", video, limit)
        return None, _("The video is too large for this server's upload limit.")


def prepare_upload(
    clip: Clip, limit: int, out_dir: Path, *, storyboard: bool = True, takes: list[Path | None] | None = None
) -> Upload:
    """The clip's video within `limit` bytes (re-encoded when needed), plus the storyboard when both fit.
    For a clip of takes, given its takes' videos (`studio.takes.take_videos`): the contact sheet and each
    take's own video instead (`prepare_takes`). Blocking (it may encode): run it in a thread."""
    board = Path(clip.storyboard_path) if storyboard and clip.storyboard_path else None
    board = board if board is not None and board.is_file() else None
    if takes:
        return prepare_takes(clip, takes, board, limit, out_dir)
    video = Path(clip.video_path) if clip.video_path else None
    if video is None or not video.is_file():
        return Upload(None, board if board and board.stat().st_size <= limit else None,
                      _("The video file has gone missing, sorry."))
    fitted, note = fit_video(video, limit, out_dir, stem=f"clip-{clip.id}")
    if fitted is None:
        return Upload(None, board if board and board.stat().st_size <= limit else None, note)
    video = fitted
    if board is not None and video.stat().st_size + board.stat().st_size > limit:
        board = None
    return Upload(video, board)


def prepare_takes(clip: Clip, takes: list[Path | None], board: Path | None, limit: int, out_dir: Path) -> Upload:
    """The grid preview of a clip of takes within `limit` bytes in all: the contact sheet `board` first (the
    picture the Pick buttons refer to), then each take's short video, re-encoded to its share of the room
    left when needed; a take that still doesn't fit (or is no longer cached) stays out, and the note says
    which. Blocking (it may encode)."""
    board = board if board is not None and board.stat().st_size <= limit else None
    room = limit - (board.stat().st_size if board is not None else 0)
    sizes = [video.stat().st_size if video is not None else 0 for video in takes]
    kept: list[tuple[int, Path]] = []
    left_out: list[int] = []
    for number, video in enumerate(takes, start=1):
        # Takes that fit together as they are go up untouched; otherwise each gets an even share of the room.
        share = room if sum(sizes[number - 1:]) <= room else room // (len(takes) - number + 1)
        fitted = fit_video(video, share, out_dir, stem=f"clip-{clip.id}-take-{number}")[0] if video else None
        if fitted is None or fitted.stat().st_size > share:
            left_out.append(number)
            continue
        kept.append((number, fitted))
        room -= fitted.stat().st_size
    note = ""
    if left_out:
        note = ngettext("Take {takes} couldn't be attached within this server's upload limit; the contact sheet "
                        "shows it.",
                        "Takes {takes} couldn't be attached within this server's upload limit; the contact sheet "
                        "shows them.",
                        len(left_out), takes=", ".join(map(str, left_out)))  # fmt: skip
    return Upload(None, board, note, tuple(kept))


def too_large(error: discord.HTTPException) -> bool:
    return error.status == 413 or error.code == _TOO_LARGE
