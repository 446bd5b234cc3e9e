"""Remixing through the Studio with real tiny-model renders: reuse, lineage, permissions, every change kind."""
from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from refusals import refused

from bot.console import ConsoleSession, console_member
from generation import assemble
from generation.encoding import probe
from generation.recipe import ShotRender
from generation.storyboard import board_panels
from generation.storyboard_check import panel_faults
from renderqueue.rendering import process_job
from renderqueue.worker_config import WorkerConfig
from renderqueue.settings import WorkerSettings
from prompts.errors import UnsafeRequest
from storage.clips import set_posted_message
from storage.db import open_db
from common.errors import NotFound
from renderqueue.jobs import claim_next
from storage.requests import get_request
from storage.settings import set_setting
from common.text import Text
from studio.lineage import lineage, lineage_text
from studio.remix import (
    CONTINUING,
    RemixChange,
    RemixError,
    credit,
    parse_change,
    recipe_card,
    remix,
    ClipRef,
    resolve_clip,
    set_opt_out,
)
from studio.members import Member
from studio.requests import VideoOptions
from studio.service import Studio

GUILD = 10
REQUEST = "a giant monster walking through New York at sunset"
# Three one-second shots at one denoising step: 9 frames each on the tiny model.
THREE_SHOTS = VideoOptions(shots=3, duration=3, draft=True)


def member(name: str, guild: int = GUILD) -> Member:
    return Member(id=sum(map(ord, name)), name=name, guild_id=guild, channel_id=20)


ALICE, BOB, CAROL, DAVE = member("alice"), member("bob"), member("carol"), member("dave")


@pytest.fixture
async def studio(studio):
    """The shared tiny-model studio; remixes pile up unrendered here, so the queue limits are raised."""
    for key, value in (("max_queued_per_user", 50), ("max_queued_per_guild", 500)):
        await studio.adb.write(set_setting, GUILD, key, value)
    return studio


class Renderer:
    """An in-process worker that records every shot render and every clip it assembles."""

    def __init__(self, studio: Studio, pipelines, monkeypatch) -> None:
        self.db = open_db(studio.config.db_path)
        self.pipelines = pipelines
        self.config = WorkerConfig(
            db_path=studio.config.db_path,
            media_dir=studio.config.media_dir,
            models_dir=studio.config.models_dir,
            worker_id="remix-test",
            settings=WorkerSettings(device="cpu"),
        )
        self.shots: list[ShotRender] = []
        self.outputs: list[assemble.ClipOutput] = []
        real_render_shot = assemble.render_shot

        def render_shot(recipe, cache, **kwargs):
            self.shots.append(recipe)
            return real_render_shot(recipe, cache, **kwargs)

        monkeypatch.setattr(assemble, "render_shot", render_shot)

    def run(self) -> assemble.ClipOutput:
        """Render the one queued job and return what the worker made of it."""
        job = claim_next(self.db, self.config.worker_id, loaded_model="tiny")
        assert job is not None, "nothing queued"
        self.shots.clear()
        output = process_job(self.db, job, self.pipelines, self.config, threading.Event())
        assert self.db.execute("SELECT status, error FROM jobs WHERE id = ?", (job.id,)).fetchone() == ("done", None)
        assert output is not None
        # Whatever the layout (takes, reused shots and kept panels, a starting picture leading the board),
        # every panel of the storyboard shows its shot.
        extra = len(board_panels(output.storyboard_path)) - len(output.shot_paths)
        assert panel_faults(output.storyboard_path, output.shot_paths, skip=extra) == []
        self.outputs.append(output)
        return output


@pytest.fixture
def renderer(studio, pipelines, monkeypatch):
    renderer = Renderer(studio, pipelines, monkeypatch)
    yield renderer
    renderer.db.close()


async def original(studio, author=ALICE, options=THREE_SHOTS):
    return (await studio.create(author, REQUEST, options)).clip


def recipes(clip):
    return Studio.recipes(clip)


async def test_a_one_shot_remix_renders_only_that_shot(studio, renderer):
    parent = await original(studio)
    first = renderer.run()
    assert (first.rendered, first.reused, len(renderer.shots)) == (3, 0, 3)

    accepted = await remix(studio, BOB, parent.id, parse_change("shot 2: the monster roars at the sky"))
    assert accepted.reused == 2
    child = accepted.clip
    assert (child.parent_id, child.remix_kind, Text.loads(child.remix_note).english()) == (
        parent.id, "shot", "shot 2: the monster roars at the sky"
    )
    assert (child.author_name, child.request, child.model) == ("bob", parent.request, parent.model)
    old, new = recipes(parent), recipes(child)
    assert new[0] == old[0] and new[2] == old[2]
    assert dataclasses.replace(new[1], prompt=old[1].prompt) == old[1]  # same seed, size, steps
    assert "roars" in new[1].prompt and old[1].prompt.split(":")[0] == new[1].prompt.split(":")[0]  # same camera

    output = renderer.run()
    assert (output.rendered, output.reused) == (1, 2)
    # No render call for the unchanged shots: only shot 2's generations (one per segment).
    assert {shot.prompt for shot in renderer.shots} == {new[1].prompt} and len(renderer.shots) == new[1].segments
    # The unchanged shots are the render cache's files.
    assert [path.name for path in output.shot_paths[::2]] == [f"{r.content_hash()}.mp4" for r in old[::2]]
    done = await studio.clip(child.id)
    assert done.status == "ready" and probe(done.video_path).frame_count == sum(r.frames for r in new)
    stored = await studio.adb.read(get_request, accepted.request_id)
    assert (stored.kind, stored.status, stored.clip_id) == ("remix", "accepted", child.id)
    assert stored.options["change"]["kind"] == "shot"
    assert (await credit(studio, done)).english() == "remix of alice's clip #1"

    # Deleting the parent keeps the remix viewable, remixable, and listed under a placeholder.
    await studio.delete_clip(ALICE, parent.id)
    assert (await studio.clip(child.id)).video_path == done.video_path
    assert lineage_text(await lineage(studio, BOB, child.id)).startswith("#1 [deleted]\n└─ #2 bob")
    again = await remix(studio, CAROL, child.id, RemixChange("reroll", shot=3))
    assert again.reused == 2 and again.clip.parent_id == child.id
    assert (await credit(studio, again.clip)).english() == "remix of bob's clip #2, original by alice (#1 (deleted))"
    with pytest.raises(NotFound):
        await remix(studio, CAROL, parent.id, RemixChange("reroll"))


async def test_extend_continues_from_the_last_frame_on_an_image_to_video_model(studio, renderer):
    parent = await original(studio)
    with refused("not_ready", RemixError):
        await remix(studio, BOB, parent.id, RemixChange("extend"))
    renderer.run()

    accepted = await remix(studio, BOB, parent.id, RemixChange("extend"))
    assert accepted.reused == 3
    new = recipes(accepted.clip)
    assert new[:3] == recipes(parent) and len(new) == 4
    frame = Path(new[3].init_image)
    assert frame.parent == studio.config.media_dir / "frames" and frame.suffix == ".png"
    assert f"{accepted.shot_list.shots[2].action}{CONTINUING}." in new[3].prompt
    assert accepted.shot_list.shots[3].camera == accepted.shot_list.shots[2].camera

    output = renderer.run()
    assert (output.rendered, output.reused) == (1, 3)
    assert {shot.prompt for shot in renderer.shots} == {new[3].prompt} and len(renderer.shots) == new[3].segments
    assert renderer.shots[0].init_image == new[3].init_image and "tiny-wan:i2v" in renderer.pipelines.loaded()
    assert probe((await studio.clip(accepted.clip.id)).video_path).frame_count == sum(r.frames for r in new)

    # The same frame is stored once: extending again finds the file by its content.
    twice = await remix(studio, CAROL, parent.id, RemixChange("extend", "the monster walks into the river"))
    assert recipes(twice.clip)[3].init_image == new[3].init_image
    assert "walks into the river" in twice.shot_list.shots[3].action
    # A changed extension still starts from its frame; a shot added before it does not.
    rerolled = recipes((await remix(studio, CAROL, accepted.clip.id, RemixChange("reroll", shot=4))).clip)
    assert rerolled[3].init_image == new[3].init_image and rerolled[3].seed != new[3].seed
    trimmed = (await remix(studio, CAROL, accepted.clip.id, RemixChange("remove", shot=1))).clip
    assert recipes(trimmed) == new[1:]
    added = recipes((await remix(studio, CAROL, trimmed.id, RemixChange("add", "a crowd of people runs away", 1))).clip)
    assert added[0].init_image is None and added[1:] == new[1:]


async def test_extend_without_image_to_video_writes_a_continuation_shot(studio):
    parent = await original(studio, options=dataclasses.replace(THREE_SHOTS, model="wan-1.3b"))
    accepted = await remix(studio, BOB, parent.id, RemixChange("extend"))  # not rendered: no frame needed
    last = recipes(accepted.clip)[3]
    assert last.init_image is None and last.model == "wan-1.3b"
    assert accepted.shot_list.shots[3].action == accepted.shot_list.shots[2].action + CONTINUING
    assert CONTINUING in last.prompt
    assert (last.width, last.height, last.steps) == (832, 480, 25)


async def test_chains_of_remixes_by_different_members(studio):
    a = await original(studio)
    b = (await remix(studio, BOB, a.id, parse_change("make it noir"))).clip
    c = (await remix(studio, CAROL, b.id, parse_change("reroll 1"))).clip
    d = (await remix(studio, DAVE, a.id, parse_change("camera 2: slow crane up"))).clip
    e = (await remix(studio, ALICE, c.id, parse_change("remove shot 2"))).clip
    assert [x.parent_id for x in (b, c, d, e)] == [a.id, b.id, a.id, c.id]
    assert lineage_text(await lineage(studio, CAROL, c.id)) == (
        f"#{a.id} alice — original: Giant Monster in New York\n"
        f"├─ #{b.id} bob — style: noir\n"
        f"│  └─ #{c.id} carol — re-rolled shot 1  ◀ this clip\n"
        f"│     └─ #{e.id} alice — removed shot 2\n"
        f"└─ #{d.id} dave — camera of shot 2: slow crane up"
    )
    assert (await credit(studio, e)).english() == f"remix of carol's clip #{c.id}, original by alice (#{a.id})"
    # Each step changed only what it said: noir everywhere, then one new seed, then one shot fewer.
    assert all("film noir" in r.prompt for r in recipes(b))
    assert [r.seed for r in recipes(c)][1:] == [r.seed for r in recipes(b)][1:]
    assert recipes(c)[0].seed != recipes(b)[0].seed
    assert recipes(e) == [recipes(c)[0], recipes(c)[2]]


async def test_each_kind_changes_only_its_shots(studio):
    parent = await original(studio)
    old = recipes(parent)

    async def changed(text, shot=None):
        return recipes((await remix(studio, BOB, parent.id, parse_change(text, shot))).clip)

    swapped = await changed("swap 1 and 3")
    assert swapped == [old[2], old[1], old[0]]
    assert await changed("move shot 1 last") == [old[1], old[2], old[0]]
    assert await changed("order 2 3 1") == [old[1], old[2], old[0]]
    added = await changed("add shot 2: a crowd of people runs away")
    assert [added[0], *added[2:]] == old and "crowd of people" in added[1].prompt
    assert added[1].num_frames == old[0].num_frames and added[1].steps == old[0].steps
    camera = await changed("camera: extreme close-up, slow rack focus", 3)
    assert camera[:2] == old[:2] and camera[2].prompt.startswith("Extreme close-up, slow rack focus:")
    rerolled = await changed("reroll")
    assert all(n.seed != o.seed and n.prompt == o.prompt for n, o in zip(rerolled, old, strict=True))
    edited = (await remix(studio, BOB, parent.id, parse_change("at night in the rain"))).clip
    assert edited.request == f"{REQUEST}, at night in the rain"
    assert [r.seed for r in recipes(edited)] == [r.seed for r in old]  # seeds and bible kept
    assert Studio.shot_list(edited).bible == Studio.shot_list(parent).bible
    assert all("rain" in r.prompt for r in recipes(edited))
    styled = await changed("风格：水墨")
    assert all("ink wash" in r.prompt for r in styled) and [r.seed for r in styled] == [r.seed for r in old]


async def test_remixes_that_cannot_be_made_say_why(studio):
    parent = await original(studio)
    for text, code in [
        ("shot 4: a cat", "no_such_shot"),
        ("order 1 2 3", "no_change"),
        ("order 1 1 2", "bad_order"),
        ("move shot 2 to 2", "no_change"),
    ]:
        with refused(code, RemixError):
            await remix(studio, BOB, parent.id, parse_change(text))
    full = (await remix(studio, BOB, parent.id, parse_change("add: the monster sleeps"))).clip
    with refused("too_many_shots", RemixError):
        await remix(studio, BOB, full.id, parse_change("add: the monster wakes up"))
    single = await original(studio, options=dataclasses.replace(THREE_SHOTS, shots=1, duration=1))
    with refused("last_shot", RemixError):
        await remix(studio, BOB, single.id, parse_change("remove shot 1"))
    with pytest.raises(UnsafeRequest):
        await remix(studio, BOB, parent.id, parse_change("shot 1: a naked child"))
    rejected = await studio.adb.read(
        lambda db: db.execute("SELECT COUNT(*) FROM requests WHERE kind = 'remix' AND status = 'rejected'").fetchone()
    )
    assert rejected == (6,)  # refusals after the request was stored are recorded as such


async def test_opt_out_and_allow_remix_refusals(studio):
    parent = await original(studio)
    bobs = (await remix(studio, BOB, parent.id, parse_change("make it noir"))).clip

    assert await set_opt_out(studio, ALICE, True) is True
    for clip in (parent, bobs):  # the original's author is protected down the whole chain
        with refused("opted_out", RemixError) as info:
            await remix(studio, CAROL, clip.id, RemixChange("reroll"))
        assert info.value.params == {"name": "alice", "clip_id": clip.id}
    assert (await remix(studio, ALICE, parent.id, RemixChange("reroll"))).clip.parent_id == parent.id
    assert await set_opt_out(studio, ALICE, False) is False
    await remix(studio, CAROL, parent.id, RemixChange("reroll"))

    await studio.adb.write(set_setting, GUILD, "allow_remix", False)
    with refused("remix_off", RemixError):
        await remix(studio, CAROL, parent.id, RemixChange("reroll"))
    await remix(studio, ALICE, parent.id, RemixChange("reroll", shot=1))

    with pytest.raises(NotFound) as info:
        await remix(studio, member("mallory", guild=99), parent.id, RemixChange("reroll"))
    assert info.value.params == {"clip_id": parent.id}


async def test_recipe_card_lists_every_value_needed_to_reproduce(studio):
    parent = await original(studio)
    child = (await remix(studio, BOB, parent.id, parse_change("camera 2: slow crane up"))).clip
    card = "\n".join(line.english() for line in await recipe_card(studio, BOB, child.id))
    # A remix has a title of its own: the parent's, with the change in the member's words.
    assert card.splitlines()[0] == (f'Clip #{child.id} "Giant Monster in New York · slow crane up" by bob '
                                    "(remix of alice's clip #1)")
    assert "Model tiny-wan, 3 shots, 64x64 (1:1), 8 fps" in card
    for index, recipe in enumerate(recipes(child)):
        assert (
            f"Shot {index + 1}: seed {recipe.seed}, {recipe.frames} frames at {recipe.fps} fps, "
            f"{recipe.steps} steps, guidance {recipe.guidance:g}"
        ) in card
        assert f"  prompt: {recipe.prompt}\n" in card + "\n"
    assert card.count("negative: same as above") == 2


async def test_clips_are_found_by_number_or_message_link(studio):
    parent = await original(studio)
    await studio.adb.write(set_posted_message, parent.id, 1234567890123)
    assert (await resolve_clip(studio, f"#{parent.id}", BOB)).id == parent.id
    assert (await resolve_clip(studio, ClipRef(message_id=1234567890123), BOB)).id == parent.id
    with refused("not_a_clip", NotFound):
        await resolve_clip(studio, ClipRef(message_id=5), BOB)


async def test_console_commands(studio):
    session = ConsoleSession(studio, console_member("alice"))
    await session.handle(REQUEST)
    try:
        session.member = console_member("bob")
        reply = await session.handle("/remix #1 shot 2: the monster roars")
        assert "clip #2" in reply and reply.endswith("remix of alice's clip #1: shot 2: the monster roars")
        assert "clip #3" in await session.handle("/reroll 2 1")
        assert await session.handle("/reroll 2 x") == "error: The shot number should be a number like 2, not `x`."
        tree = await session.handle("/lineage 3")
        assert "└─ #3 bob — re-rolled shot 1  ◀ this clip" in tree
        assert Path(tree.rsplit("image: ", 1)[1]).is_file()
        assert "Shot 1: seed" in await session.handle("/recipe 2")
        session.member = console_member("alice")
        assert await session.handle("/optout on") == "others can no longer remix your clips"
        session.member = console_member("bob")
        assert "alice has opted out" in await session.handle("/remix 1 reroll")
        assert (await session.handle("/remix 1")).startswith("error: Tell me what to change")
    finally:
        for task in session.watchers:
            task.cancel()


async def test_a_note_about_one_shot_changes_only_that_shot(studio, renderer):
    parent = await original(studio)
    renderer.run()
    old = recipes(parent)
    for note, expect in [("make shot 2 funnier", "funnier"), ("shot 2 at night", "moonlight"),
                         ("第二个镜头改成夜景", "moonlight")]:
        change = parse_change(note)
        assert (change.kind, change.shot) == ("shot", 2)
        accepted = await remix(studio, BOB, parent.id, change)
        new = recipes(accepted.clip)
        assert accepted.reused == 2
        assert new[0].to_dict() == old[0].to_dict() and new[2].to_dict() == old[2].to_dict()  # byte-identical
        assert new[1].seed == old[1].seed and expect in new[1].prompt and new[1].prompt != old[1].prompt
        # The shot keeps its camera and its own words; the note is added, not swapped in.
        assert new[1].prompt.split(":")[0] == old[1].prompt.split(":")[0]
        assert "a giant monster walking through New York" in new[1].prompt


async def test_a_whole_clip_restyle_changes_every_shots_look_and_keeps_the_rest(studio):
    parent = await original(studio)
    for note in ("make everything black and white", "全部改成黑白", "todo en blanco y negro"):
        change = parse_change(note)
        assert (change.kind, change.shot) == ("style", None), note
        accepted = await remix(studio, BOB, parent.id, change)
        before, after = Studio.shot_list(parent), Studio.shot_list(accepted.clip)
        assert [shot.action for shot in after.shots] == [shot.action for shot in before.shots]
        assert [shot.camera for shot in after.shots] == [shot.camera for shot in before.shots]
        assert all("black and white cinematography" in shot.prompt and "anamorphic" not in shot.prompt
                   for shot in after.shots)
        assert [r.seed for r in recipes(accepted.clip)] == [r.seed for r in recipes(parent)]


async def test_the_last_shot_in_any_language_is_one_shot(studio):
    parent = await original(studio)
    old = recipes(parent)
    for note in ("in the last shot, make it funnier", "最后一个镜头更搞笑一点", "en la última toma, más gracioso"):
        change = parse_change(note)
        assert (change.kind, change.shot) == ("shot", -1), note
        accepted = await remix(studio, BOB, parent.id, change)
        new = recipes(accepted.clip)
        assert new[:2] == old[:2] and new[2].prompt != old[2].prompt  # the other shots keep their recipes
        # The rules planner cannot rewrite a shot: the note goes in as written, and the member is told.
        (note_text,) = Studio.shot_list(accepted.clip).notes
        assert note_text.english().endswith("was added to shot 3 as written: no writer model rewrote the shot.")
        assert change.describe().english().startswith("last shot: ")


async def test_a_writer_model_rewrites_the_targeted_shot(studio, monkeypatch):
    parent = await original(studio)
    rules = studio.expander

    class Writer:
        """A writer model that works the note into the shot (stands in for an LLM backend)."""

        async def expand(self, request, options=None):
            plan = await rules.expand(request, options)
            shot = plan.shots[0].model_copy(update={"subject": "the giant monster",
                                                    "action": "trips over a taxi and lands on its back, comically"})
            return plan.model_copy(update={"backend": "openai", "shots": [shot]})

    monkeypatch.setattr(studio, "expander", Writer())
    accepted = await remix(studio, BOB, parent.id, parse_change("make the second shot funnier"))
    shot = Studio.shot_list(accepted.clip).shots[1]
    assert "trips over a taxi and lands on its back" in shot.prompt and "funnier" not in shot.prompt
    assert shot.camera == Studio.shot_list(parent).shots[1].camera
    assert Studio.shot_list(accepted.clip).notes == []
