"""/forget leaves no file that shows the member: their clips' folders go (shots, segments, stills, boards),
and the lineage trees and leaderboards drawn with their name are drawn again without it."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from bot.console import ConsoleSession
from generation.storyboard import make_storyboard
from studio.challenges import ChallengeService
from studio.lineage import lineage, lineage_image
from challenge_fixtures import ALICE, BOB, CAROL, DAVE, T0, ready_clip, studio  # noqa: F401

MARKER = "zebra-marker-4711"


def files_under(root) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


OWN, SHARED, STILL = "09c9974c64ea16c670cb4f3c9f3e91c1", "b6879cb22a89198c94297d2f1579bcf2", "a4ba0c92fb081805b35a5f0ba63f5f2b"


def rendered_like_a_worker(clip, shots: tuple[str, ...], still: str | None = None) -> None:
    """The files a render leaves: the render cache's shots (`renders/<hash>.mp4`, with the panel drawn of
    it) and stills, and in the clip's folder beside its video their copies, last frames and storyboard."""
    folder = Path(clip.video_path).parent
    renders = folder.parents[1] / "renders"
    renders.mkdir(exist_ok=True)
    frame = np.full((64, 64, 3), 200, dtype=np.uint8)
    for number, digest in enumerate(shots, start=1):
        shutil.copy(clip.video_path, renders / f"{digest}.mp4")
        Image.fromarray(frame).save(renders / f"{digest}.panel-v2.png")
        shutil.copy(clip.video_path, folder / f"shot-{number:02d}-{digest[:12]}.mp4")
        Image.fromarray(frame).save(folder / f"segment-{digest[:12]}-1.png")
    if still is not None:
        Image.fromarray(frame).save(renders / f"{still}.png")
        (folder / "stills").mkdir()
        Image.fromarray(frame).save(folder / "stills" / f"still-01-1-{still[:12]}.png")
        make_storyboard([frame], [f"{MARKER} a cat sails"], folder / "stills" / "stills.png")


async def test_console_forget_asks_first_then_removes_every_file_that_showed_the_member(studio):
    media = studio.config.media_dir
    service = ChallengeService(studio)
    challenge = (await service.start(ALICE, "Cats at sea", "1h", now=T0)).challenge
    original = await ready_clip(studio, CAROL, title=f"{MARKER} cat", storyboard=True)
    rendered_like_a_worker(original, (OWN, SHARED), STILL)
    remix = await ready_clip(studio, BOB, parent=original, title="Bob's cat", colour=(200, 10, 10))
    rendered_like_a_worker(remix, (SHARED,))  # Bob's remix reused Carol's second shot
    await service.submit(CAROL, original.id, challenge.id, now=T0 + 1)
    await service.submit(BOB, remix.id, challenge.id, now=T0 + 1)
    await service.vote(DAVE, challenge.id, remix.id, now=T0 + 2)
    board = (await service.close(ALICE, challenge.id, now=T0 + 3)).leaderboard_path
    bob = ConsoleSession(studio, BOB, io.StringIO())
    assert f"#{original.id} carol" in await bob.handle(f"/lineage {remix.id}")
    tree_with_carol = (media / "lineage" / f"clip-{remix.id}.png").read_bytes()
    before = files_under(media)

    carol = ConsoleSession(studio, CAROL, io.StringIO())
    asked = await carol.handle("/forget me")
    assert asked.startswith("This deletes your requests, clips, votes") and "It can't be undone." in asked
    assert asked.endswith("To go ahead, type: /forget me confirm")
    assert files_under(media) == before, "asking deletes nothing"
    assert (await studio.clip(original.id)).author_name == "carol"

    done = await carol.handle("/forget me confirm")
    assert done.startswith("Done: ") and "records about you deleted or anonymized" in done
    assert not (media / "clips" / str(original.id)).exists(), "the clip's shots, segments and stills go too"
    assert (media / "clips" / str(remix.id) / "clip.mp4").is_file(), "Bob's remix stays"
    assert sorted(path.name for path in (media / "renders").iterdir()) == [f"{SHARED}.mp4", f"{SHARED}.panel-v2.png"], \
        "her shots and stills leave the render cache, but the shot Bob's remix reused"
    assert not board.exists() and list((media / "lineage").glob("*.png")) == []
    left = files_under(media)
    assert not [name for name, data in left.items() if MARKER.encode() in data or b"carol" in data]
    assert [name for name in left if "lineage" in name or "leaderboard" in name] == []

    # Drawn again on demand, from what the records say now: the tree and leaderboard without her name.
    assert f"#{original.id} carol" not in await bob.handle(f"/lineage {remix.id}")
    redrawn = (media / "lineage" / f"clip-{remix.id}.png").read_bytes()
    assert redrawn != tree_with_carol
    fresh = lineage_image(await lineage(studio, BOB, remix.id), media / "check.png")
    assert fresh.read_bytes() == redrawn
    results = await service.results(BOB, challenge.id)
    assert results.leaderboard_path.is_file() and results.leaderboard_path != board
    assert [ranked.clip.author_name for ranked in results.ranking] == ["bob"]
    assert [credit.name for credit in results.credits[remix.id]] == ["a deleted member"]


async def test_a_moderators_console_forget_names_the_member_and_waits_for_confirm(studio):
    alice = ConsoleSession(studio, ALICE, io.StringIO())
    clip = await ready_clip(studio, ALICE, title="not forgotten")
    asked = await alice.handle("/forget member bob")
    assert asked.startswith("This deletes bob's requests") and asked.endswith("/forget member bob confirm")
    assert (studio.config.media_dir / "clips" / str(clip.id) / "clip.mp4").is_file()
    assert (await alice.handle("/forget member bob confirm")) == "Reelbot holds nothing more about bob."
