"""Characters for the cast tests: pictures that pass the intake, and members in two servers."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from storage.settings import set_setting
from studio.cast.desk import CastDesk
from studio.members import Member
from studio.pictures import Picture, read_picture
from studio.service import Studio

HOME, AWAY = 10, 20
MIRA = "a girl with short red hair, a yellow raincoat and green rubber boots"
LEO = "a grey tabby cat with one white ear and a blue collar"


def member(name: str, guild: int | None = HOME, *, moderator: bool = False) -> Member:
    return Member(id=sum(map(ord, name)) * 7, name=name, guild_id=guild, channel_id=(guild or 0) + 1,
                  can_moderate=moderator)  # fmt: skip


ALICE, BOB, CAROL, MOD = member("alice"), member("bob"), member("carol"), member("mod", moderator=True)


def portrait(colour: tuple[int, int, int], size: tuple[int, int] = (96, 128), fmt: str = "PNG") -> bytes:
    """A picture of one colour with a white square in the middle (a face, say)."""
    image = Image.new("RGB", size, colour)
    image.paste((255, 255, 255), (size[0] // 3, size[1] // 3, 2 * size[0] // 3, 2 * size[1] // 3))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def pictures(studio: Studio, *colours: tuple[int, int, int]) -> list[Picture]:
    return [read_picture(portrait(colour), Path(studio.config.media_dir)) for colour in colours]


async def roomy(studio: Studio, *guilds: int) -> None:
    """Queue limits raised: the tests queue many clips nobody renders."""
    for guild in guilds or (HOME, AWAY):
        for key, value in (("max_queued_per_user", 50), ("max_queued_per_guild", 500)):
            await studio.adb.write(set_setting, guild, key, value)


async def mira(studio: Studio, owner: Member = BOB, consent: str = "server", **options: object):
    """Bob's Mira (aliases 米拉, ミラ) with two pictures."""
    return await CastDesk(studio).create(owner, "Mira", MIRA, pictures(studio, (200, 40, 40), (40, 40, 200)),
                                         aliases=("米拉", "ミラ"), consent=consent, **options)  # type: ignore[arg-type]


async def ready_cast_clip(studio: Studio, author: Member, text: str, **options: object):
    """A clip made through the studio (so its cast is resolved and stored), finished without a model: a real
    video and storyboard stand in for the render."""
    from generation.encoding import encode_mp4
    from generation.storyboard import make_storyboard
    from gallery_fixtures import frames
    from renderqueue.jobs import claim_next, complete_job
    from studio.requests import VideoOptions

    accepted = await studio.create(author, text, VideoOptions(shots=2, duration=2, draft=True, **options))
    out_dir = Path(studio.config.media_dir) / "clips" / str(accepted.clip.id)
    video = frames(1.0)
    video_path = str(encode_mp4(video, 8, out_dir / "clip.mp4"))
    board = str(make_storyboard([video[0], video[-1]], ["shot 1", "shot 2"], out_dir / "storyboard.png",
                                title=accepted.shot_list.title))

    def finish(db) -> None:  # noqa: ANN001
        claimed = claim_next(db, "test-fixture", loaded_model=None)
        assert claimed is not None and claimed.id == accepted.job.id, "another job was waiting in the queue"
        assert complete_job(db, claimed.id, worker_id="test-fixture", video_path=video_path, storyboard_path=board)

    await studio.adb.write(finish)
    return await studio.clip(accepted.clip.id)
