"""Editing a shot of a storyboard in words ("shot 2 at night", "the dragon lands on the tower"): the note is
stored as a request before any slow work (the planner may rewrite the shot), so a restart finishes it;
the shot's text and prompt change (`studio.shot_edit`), its seed stays, and its stills render again.

An empty note, or one the server's safety policy refuses, is answered privately and changes nothing:
the approved stills stay as they are.
"""
from __future__ import annotations

from typing import Any

from common.errors import ReelbotError
from generation.recipe import ShotRender, linked
from generation.still_recipes import replanned, still_recipe
from prompts.expand import ExpandOptions
from prompts.request import parse_request
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import ShotList
from renderqueue.estimates import queue_position
from storage.clips import set_clip_plan
from storage.requests import StoredRequest, accept_request
from storage.stills import queue_still
from studio.busy import refuse_or_keep
from studio.errors import StudioError
from studio.members import Member
from studio.request_kinds import finishes
from studio.requests import Accepted
from studio.service import Studio
from studio.shot_edit import amendment, describes_a_shot, edit_shot
from studio.shots import caption, take_seeds
from studio.storyboards.actions import open_for_changes, shot_index, queue_stills
from studio.storyboards.views import StoryboardView, read_storyboard


async def edit_still(
    studio: Studio, member: Member, clip_id: int, shot: int, text: str, *, origin: dict | None = None
) -> Accepted:
    """Change shot `shot` (1-based) of the clip's storyboard by `text` and render its stills again.
    Raises StudioError (code "empty_edit" for a note with nothing in it), the safety policy's refusal, and
    the storyboard's refusals (not the author, already animating, no such shot)."""
    if not text.strip():
        raise StudioError("Tell me what to change in shot {shot}, e.g. \"at night\" or \"the dragon lands\". "
                          "Your stills are unchanged.", code="empty_edit", shot=shot)  # fmt: skip
    settings = await studio.check_member_may_request(member)
    text = sanitize_request(text)
    await ensure_screened(text, studio.safety_policy(settings))
    await studio.adb.read(lambda db: _check_open(read_storyboard(db, member, clip_id, acting=True), shot))
    stored = await studio.record_request(member, "still_edit", text, {"clip_id": clip_id, "shot": shot}, origin)
    return await _fulfil(studio, stored.id, member, clip_id, shot, text)


def _check_open(view: StoryboardView, shot: int) -> None:
    """Before the note is stored: the storyboard can change and has that shot (StudioError otherwise)."""
    open_for_changes(view)
    shot_index(view, shot)


async def _fulfil(studio: Studio, request_id: int, member: Member, clip_id: int, shot: int, text: str) -> Accepted:
    settings = await studio.settings(member.guild_id)
    try:
        view = await studio.adb.read(read_storyboard, member, clip_id, acting=True)
        index = shot_index(view, shot)
        shot_list = ShotList.model_validate(view.clip.shot_list)
        old = shot_list.shots[index]
        note = amendment(text)
        written = None
        if describes_a_shot(parse_request(note)):
            options = ExpandOptions(shots=1, duration=old.duration, bible=shot_list.bible)
            written = (await studio.expand(note, options, settings)).shots[0]
        edited = edit_shot(old, shot_list.bible, text, written)

        def write(db: Any) -> Accepted:
            current = read_storyboard(db, member, clip_id, acting=True)
            open_for_changes(current)
            recipes = [ShotRender.from_dict(recipe) for recipe in current.clip.recipes]
            recipe = replanned(recipes[index], prompt=edited.prompt, negative_prompt=edited.negative_prompt)
            recipes[index] = recipe
            shots = list(ShotList.model_validate(current.clip.shot_list).shots)
            shots[index] = edited
            captions = list(current.clip.captions)
            captions[index] = caption(edited, recipe)
            planned = shot_list.model_copy(update={"shots": shots}).model_dump()
            set_clip_plan(db, clip_id, planned, [r.to_dict() for r in linked(recipes)], captions)
            for take, seed in enumerate(take_seeds(recipe.seed, current.storyboard.takes)):
                queue_still(db, clip_id, index, take, still_recipe(recipe, seed=seed).to_dict())
            job = queue_stills(db, read_storyboard(db, member, clip_id))
            accept_request(db, request_id, clip_id)
            after = read_storyboard(db, member, clip_id)
            return Accepted(request_id, after.clip, job, ShotList.model_validate(after.clip.shot_list),
                            queue_position(db, job.id), 0)  # fmt: skip

        return await studio.adb.write(write)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


@finishes("still_edit")
async def _resume_edit(studio: Studio, stored: StoredRequest) -> Accepted:
    options = stored.options
    return await _fulfil(studio, stored.id, Member.of_request(stored), options["clip_id"], options["shot"],
                         stored.text)  # fmt: skip
