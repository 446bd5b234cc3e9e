"""How each kind of change (edit, shot, reroll, style, camera, add, remove, reorder, extend) reshapes the
remix in the making, and the recipes that come out of it: a shot the change left alone keeps its parent's
recipe exactly, so the render cache serves it."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.files import store_by_content
from common.text import N_, Text
from generation.encoding import frame_png
from generation.recipe import ShotRender
from generation.registry import ASPECTS, get_preset
from generation.segments import resized
from generation.still_recipes import replanned
from prompts.compose import compose_prompt, shorten, style_description
from prompts.expand import ExpandOptions, RuleBasedExpander
from prompts.request import parse_request
from prompts.schema import Shot, ShotList, StyleBible
from storage.records import Clip, GuildSettings
from studio.remix.change import CONTINUING, LAST, RemixChange, RemixError
from studio.service import Studio
from studio.shot_edit import amendment, describes_a_shot, edit_shot, rewritten_shot
from studio.shots import random_seed, shot_seeds


@dataclass
class Slot:
    """One shot of the remix in the making."""

    shot: Shot
    seed: int
    # The parent's recipe this shot was made from (None for a new shot): a changed shot keeps its size,
    # steps, guidance and starting image.
    source: ShotRender | None = None
    # A new shot that continues from the parent's last frame (a PNG file).
    init_image: str | None = None


@dataclass
class RemixDraft:
    """The remix in the making: its shots, its style bible and the request text it answers."""

    slots: list[Slot]
    bible: StyleBible
    request: str
    # Title, logline, language and backend of a re-expanded shot list.
    expanded: dict[str, Any] | None = None
    # What the member should know about how the change was made (said with the posted remix).
    notes: list[Text] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class RemixContext:
    """What every kind of change reads: the studio, the parent clip and its plan, the server's settings."""

    studio: Studio
    parent: Clip
    parent_list: ShotList
    settings: GuildSettings

    def index(self, shot: int | None, count: int) -> int:
        """The 0-based index of 1-based `shot` (LAST: the last one) among `count` shots; raises RemixError
        (code "no_such_shot")."""
        if shot == LAST:
            shot = count
        if shot is None or not 1 <= shot <= count:
            if count == 1:
                raise RemixError("Clip #{clip_id} has 1 shot: use shot 1.", clip_id=self.parent.id, code="no_such_shot")
            raise RemixError("Clip #{clip_id} has {count} shots: pick one from 1 to {count}.", code="no_such_shot",
                             clip_id=self.parent.id, count=count)  # fmt: skip
        return shot - 1

    def check_room(self, count: int) -> None:
        """Raises RemixError (code "too_many_shots") when a clip of `count` shots can't take another."""
        if count >= self.settings.max_shots:
            raise RemixError(
                "Clip #{clip_id} already has {count} shots, the most this server allows. Remove one first, or change "
                "an existing shot.",
                clip_id=self.parent.id, count=count, code="too_many_shots",
            )

    async def written_shot(self, text: str, bible: StyleBible, duration: float) -> Shot:
        """What the expander makes of `text` as one shot under the clip's bible (translated, screened)."""
        options = ExpandOptions(shots=1, duration=duration, bible=bible)
        return (await self.studio.expand(text, options, self.settings)).shots[0]

    async def rewritten(self, shot: Shot, note: str, bible: StyleBible) -> Shot | None:
        """A writer model's rewrite of `shot` with `note` in it; None when the rules answered instead."""
        options = ExpandOptions(shots=1, duration=shot.duration, bible=bible)
        plan = await self.studio.expand(f"{shot.action}, {note}", options, self.settings)
        return plan.shots[0] if plan.backend != "rules" else None


def recompose(shot: Shot, bible: StyleBible, **fields: Any) -> Shot:
    """The shot with some fields replaced and its full prompt rewritten from them."""
    data = {**shot.model_dump(), **fields}
    data["prompt"] = compose_prompt(camera=data["camera"], subject=data["subject"], action=data["action"],
                                    lighting=data["lighting"], style=data["style"], bible=bible)
    return Shot.model_validate(data)


async def _edit(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    # Amend rather than replace: "at night" or "make the monster a robot" only make sense with the
    # original request, which an LLM then rewrites as a whole. The seeds and the bible stay.
    draft.request = f"{ctx.parent.request}, {change.text}"
    asked = parse_request(change.text)
    count = min(asked.shots or len(draft.slots), ctx.settings.max_shots)
    duration = asked.duration or (ctx.parent_list.duration if count == len(draft.slots) else None)
    options = ExpandOptions(shots=count, duration=duration, bible=draft.bible)
    shot_list = await ctx.studio.expand(draft.request, options, ctx.settings)
    seeds = shot_seeds(draft.slots[0].seed, len(shot_list.shots))
    seeds[: len(draft.slots)] = [slot.seed for slot in draft.slots][: len(seeds)]
    draft.slots = [Slot(shot, seed) for shot, seed in zip(shot_list.shots, seeds, strict=True)]
    draft.expanded = shot_list.model_dump(include={"title", "logline", "language", "backend"})


async def _edit_shot(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    index = ctx.index(change.shot, len(draft.slots))
    slot = draft.slots[index]
    note = amendment(change.text)
    if describes_a_shot(parse_request(note)):  # "the monster roars": a whole new shot
        written = await ctx.written_shot(note, draft.bible, slot.shot.duration)
        slot.shot = edit_shot(slot.shot, draft.bible, change.text, written)
        return
    # "funnier", "at night": a writer model rewrites the shot with the note in it; without one (or when it
    # fails) the note is added to the shot as written, and the member is told so.
    if not isinstance(ctx.studio.expander, RuleBasedExpander):
        written = await ctx.rewritten(slot.shot, note, draft.bible)
        if written is not None:
            slot.shot = rewritten_shot(slot.shot, draft.bible, written)
            return
    slot.shot = edit_shot(slot.shot, draft.bible, change.text)
    if not any(look for look in (parse_request(note).time, parse_request(note).weather)):
        draft.notes.append(Text.of(N_("“{text}” was added to shot {shot} as written: no writer model rewrote the "
                                      "shot."), text=note, shot=index + 1))


async def _reroll(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    count = len(draft.slots)
    for index in range(count) if change.shot is None else [ctx.index(change.shot, count)]:
        draft.slots[index].seed = random_seed()


async def _style(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    draft.bible = draft.bible.model_copy(update={"style": shorten(style_description(change.text), 300)})
    for slot in draft.slots:
        slot.shot = recompose(slot.shot, draft.bible, style=shorten(draft.bible.style, 200))


async def _camera(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    slot = draft.slots[ctx.index(change.shot, len(draft.slots))]
    slot.shot = recompose(slot.shot, draft.bible, camera=shorten(change.text, 120))


async def _add(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    count = len(draft.slots)
    ctx.check_room(count)
    position = count if change.shot is None else ctx.index(min(change.shot, count + 1), count + 1)
    neighbour = draft.slots[max(position - 1, 0)].shot
    written = await ctx.written_shot(change.text, draft.bible, neighbour.duration)
    # The neighbour's light and look keep the cut seamless; the camera is the expander's choice.
    shot = recompose(written, draft.bible, lighting=neighbour.lighting, style=neighbour.style,
                     negative_prompt=neighbour.negative_prompt, duration=neighbour.duration)
    draft.slots.insert(position, Slot(shot, random_seed()))


async def _remove(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    index = ctx.index(change.shot, len(draft.slots))
    if len(draft.slots) == 1:
        raise RemixError(
            "Clip #{clip_id} has only one shot, so there is nothing left to keep.",
            clip_id=ctx.parent.id, code="last_shot",
        )
    del draft.slots[index]


async def _reorder(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    draft.slots = [draft.slots[index] for index in _new_order(ctx, change, len(draft.slots))]


def _new_order(ctx: RemixContext, change: RemixChange, count: int) -> list[int]:
    """Old 0-based indexes in their new order."""
    if change.order:
        if sorted(change.order) != list(range(1, count + 1)):
            example = " ".join(map(str, range(count, 0, -1)))
            raise RemixError(
                "List each of the {count} shots once, e.g. `order {example}`.",
                count=count, example=example, code="bad_order",
            )
        return [number - 1 for number in change.order]
    order = list(range(count))
    index = ctx.index(change.shot, count)
    if change.swap:
        other = ctx.index(change.to, count)
        order[index], order[other] = order[other], order[index]
    else:
        order.insert(count - 1 if change.to == LAST else ctx.index(change.to, count), order.pop(index))
    return order


async def _extend(ctx: RemixContext, draft: RemixDraft, change: RemixChange) -> None:
    ctx.check_room(len(draft.slots))
    last = draft.slots[-1].shot
    written = await ctx.written_shot(change.text, draft.bible, last.duration) if change.text else last
    action = shorten(written.action.removesuffix(CONTINUING), 200 - len(CONTINUING)) + CONTINUING
    shot = recompose(last, draft.bible, subject=written.subject, action=action)
    # With an image-to-video model the new shot starts from the very frame the clip ends on; without
    # one, the shared bible and the continuing action are all that carry over.
    frame = await _last_frame(ctx.studio, ctx.parent) if get_preset(ctx.parent.model).supports_i2v else None
    draft.slots.append(Slot(shot, random_seed(), init_image=frame and str(frame)))


# Each kind of change, applied to the draft in place.
APPLY_CHANGE: dict[str, Callable[[RemixContext, RemixDraft, RemixChange], Awaitable[None]]] = {
    "edit": _edit, "shot": _edit_shot, "reroll": _reroll, "style": _style, "camera": _camera, "add": _add,
    "remove": _remove, "reorder": _reorder, "extend": _extend,
}


def carried_recipes(
    parent_list: ShotList, parent_recipes: list[ShotRender], slots: Sequence[Slot]
) -> list[ShotRender]:
    """A shot the remix left alone (same text, length and seed) keeps its parent's recipe exactly (its still
    and render with it); others take their source's (or the clip's) size, steps and guidance with their own
    prompt, seed and length, and start from their source's picture only where it was the member's own (a
    shot animated from its approved still gets a new still: `still_recipes.replanned`)."""
    carried = {
        (shot.prompt, shot.negative_prompt, shot.duration, recipe.seed): recipe
        for shot, recipe in zip(parent_list.shots, parent_recipes, strict=True)
    }
    recipes = []
    for slot in slots:
        shot = slot.shot
        recipe = carried.get((shot.prompt, shot.negative_prompt, shot.duration, slot.seed))
        if recipe is None:
            changes = dict(prompt=shot.prompt.strip(), negative_prompt=shot.negative_prompt.strip(), seed=slot.seed)
            if slot.source is not None:  # changed: the parent's approved still is not this shot's any more
                recipe = replanned(slot.source, **changes)
            else:
                recipe = dataclasses.replace(parent_recipes[-1], init_image=slot.init_image, from_still=False, **changes)
            recipe = resized(recipe, shot.duration)
        recipes.append(recipe)
    return recipes


def aspect_of(recipe: ShotRender) -> str | None:
    """The aspect ratio option that renders at this recipe's size, if any (a shrunk retry has none)."""
    preset = get_preset(recipe.model)
    return next((a for a in ASPECTS if preset.size_for(a) == (recipe.width, recipe.height)), None)


async def _last_frame(studio: Studio, parent: Clip) -> Path:
    if parent.status != "ready" or not parent.video_path:
        raise RemixError(
            "Clip #{clip_id} isn't finished yet; extend it once its video is ready.",
            clip_id=parent.id, code="not_ready",
        )
    return await asyncio.to_thread(save_frame, Path(parent.video_path), studio.config.media_dir / "frames")


def save_frame(video: Path, out_dir: Path, index: int = -1) -> Path:
    """Frame `index` of the video (the last by default) as a PNG in `out_dir` named by its content hash, so
    equal frames share one file and a recipe that starts from it hashes the same every time."""
    return store_by_content(frame_png(video, index), out_dir)
