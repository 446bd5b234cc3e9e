"""Remixing: a new clip made from an existing one plus one change, with the parent recorded.

Only shots whose recipe changed are rendered: every other shot keeps its parent's exact recipe, so the
render cache (keyed by recipe hash) serves it for free, and `Accepted.reused` says how many that was.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlite_utils

from common.errors import NotFound, ReelbotError
from common.text import jsonable
from prompts.compose import shorten
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import ShotList
from storage import clips as clip_store
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, GuildSettings
from studio.quality import is_draft
from storage.requests import StoredRequest
from storage.stills import get_storyboard
from storage.users import remix_opted_out
from studio.busy import refuse_or_keep
from studio.members import Member, may_bring
from studio.remix.change import RemixChange, RemixError, stored_change
from studio.remix.kinds import APPLY_CHANGE, RemixContext, RemixDraft, Slot, aspect_of, carried_recipes
from studio.request_kinds import finishes
from studio.requests import Accepted, ClipPlan
from studio.service import Studio

# What a remix without words of its own adds to its parent's title.
_TITLE_MARKS = {"reroll": "🎲", "extend": "➕", "remove": "✂️", "reorder": "🔀"}


def remix_title(title: str, change: RemixChange) -> str:
    """A remix's own title, so listings, ballots and results tell it from its parent: the parent's title with
    the member's own words of the change ("Lighthouse Keeper's Cat · noir"), or a sign of what was done (🎲 a
    re-roll, ➕ an extension, ✂️ a cut, 🔀 a new order). At most ShotList's 100 characters."""
    mark = shorten(" ".join(change.text.split()), 40) or _TITLE_MARKS.get(change.kind, "✏️")
    return f"{shorten(title, 100 - len(mark) - 3)} · {mark}"


async def remix(
    studio: Studio, member: Member, clip_id: int, change: RemixChange, *, origin: dict | None = None
) -> Accepted:
    """Queue a remix of clip `clip_id`. Raises ReelbotError (refusals are RemixError)."""
    settings = await studio.check_member_may_request(member)
    if change.text:
        change = dataclasses.replace(change, text=sanitize_request(change.text))
        await ensure_screened(change.text, studio.safety_policy(settings))
    # The source's cast is named (and may need its owners' approval) only once the member may remix it.
    check_may_remix(member, await studio.adb.read(load_source, clip_id), settings)
    casting = await studio.casting(member, change.text or "", settings=settings, parent_id=clip_id)
    options = {"clip_id": clip_id, "change": dataclasses.asdict(change)}
    stored = await studio.record_request(member, "remix", change.describe().english(), options, origin, casting)
    return await fulfil_remix(studio, stored.id, member, clip_id, change, settings, origin)


async def fulfil_remix(
    studio: Studio,
    request_id: int,
    member: Member,
    clip_id: int,
    change: RemixChange,
    settings: GuildSettings,
    origin: dict | None,
) -> Accepted:
    """The slow part of a remix, after its request is stored; also how a restart finishes one."""
    try:
        source = await studio.adb.read(load_source, clip_id)
        check_may_remix(member, source, settings)
        casting = await studio.casting(member, change.text or "", settings=settings, parent_id=clip_id,
                                       request_id=request_id)
        plan, request = await _plan(studio, source.clip, change, settings)
        plan = dataclasses.replace(plan, casting=casting)
        return await studio.queue_plan(request_id, member, request, plan, settings, origin)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


@finishes("remix")
async def _resume_remix(studio: Studio, stored: StoredRequest) -> Accepted:
    settings = await studio.settings(stored.guild_id)
    member, change = Member.of_request(stored), stored_change(stored.options)
    return await fulfil_remix(studio, stored.id, member, stored.options["clip_id"], change, settings, stored.origin)


@dataclass(frozen=True)
class RemixSource:
    """A clip about to be remixed, with its chain of ancestors (parent first) and who in it opted out."""

    clip: Clip
    ancestors: list[Clip]
    # Authors anywhere in the clip's chain (the clip, its parent, ... the original) who stop others
    # remixing their work: a remix of a remix still carries every earlier author's shots.
    opted_out: frozenset[int]
    # A storyboard of stills waiting for its author's Animate (stills rendering or ready): its shots are
    # the author's to change until then (a clip without stills, or whose video is on its way, is not one).
    unanimated: bool = False


def load_source(db: sqlite_utils.Database, clip_id: int) -> RemixSource:
    """The clip `clip_id` as a remix source. Raises NotFound for no such clip."""
    clip = clip_store.get_clip(db, clip_id)
    chain = clip_store.ancestors(db, clip_id)
    authors = {c.author_id for c in (clip, *chain)}
    storyboard = get_storyboard(db, clip_id)
    unanimated = storyboard is not None and storyboard.status in ("stills", "ready")
    return RemixSource(clip, chain, frozenset(a for a in authors if remix_opted_out(db, a)), unanimated)


def check_may_remix(member: Member, source: RemixSource, settings: GuildSettings) -> None:
    """Whether `member` may remix the source where they are: raises NotFound for a clip they can't see,
    RemixError (codes "remix_off", "opted_out") when the server or an author in the chain says no,
    "not_animated_yet" for another member's storyboard still waiting for its author's Animate."""
    clip = source.clip
    own = clip.author_id == member.id
    if not own and not member.sees(clip.guild_id, clip.author_id):
        # Other servers' clips and others' clips made in private messages are not visible here.
        raise NotFound("There is no clip #{clip_id}.", clip_id=clip.id)
    if not may_bring(member, (clip, *source.ancestors)):
        # The member's own clip from elsewhere, made of others' work there: it stays where it was made.
        raise RemixError(
            "Clip #{clip_id} holds other members' work from where it was made, so it can't be brought here. "
            "Remix it there instead.", code="foreign_work", clip_id=clip.id,
        )
    if source.unanimated and not own:
        raise RemixError(
            "Clip #{clip_id} is still {name}'s storyboard: its stills are theirs until they animate it. You can "
            "remix it once it is posted.", code="not_animated_yet", clip_id=clip.id, name=clip.author_name,
        )
    if not settings.allow_remix and not own:
        raise RemixError(
            "Remixing is turned off in this server: only a clip's author can remix it.", code="remix_off"
        )
    refusing = source.opted_out - {member.id}
    if refusing:
        name = next(c.author_name for c in (clip, *source.ancestors) if c.author_id in refusing)
        raise RemixError(
            "{name} has opted out of remixes, so clip #{clip_id} can't be remixed. You can still make something new of "
            "your own!",
            name=name, clip_id=clip.id, code="opted_out",
        )


async def _plan(studio: Studio, parent: Clip, change: RemixChange, settings: GuildSettings) -> tuple[ClipPlan, str]:
    """The remix's plan and request text; shots it leaves alone keep their parent's recipe exactly."""
    parent_list = Studio.shot_list(parent)
    parent_recipes = Studio.recipes(parent)
    if parent.remix_kind == "takes":
        raise RemixError("Clip #{clip_id} is a set of takes: pick one first, then remix that clip.",
                         code="pick_a_take", clip_id=parent.id)  # fmt: skip
    if len(parent_recipes) != len(parent_list.shots):
        raise RemixError(
            "Clip #{clip_id} can't be remixed: its recipes don't match its shots.",
            clip_id=parent.id, code="corrupt_clip",
        )
    slots = [Slot(shot, recipe.seed, recipe) for shot, recipe in zip(parent_list.shots, parent_recipes, strict=True)]
    draft = RemixDraft(slots, parent_list.bible, parent.request)
    await APPLY_CHANGE[change.kind](RemixContext(studio, parent, parent_list, settings), draft, change)

    # A remix that wasn't planned afresh (which titles it itself) gets its own title all the same.
    expanded = draft.expanded or {"title": remix_title(parent_list.title, change)}
    shot_list = ShotList.model_validate(
        {**parent_list.model_dump(), **expanded, "bible": draft.bible.model_dump(),
         "shots": [slot.shot.model_dump() for slot in draft.slots], "notes": jsonable(draft.notes)}
    )
    if change.kind != "edit":  # the expander screened a whole new shot list itself
        policy = studio.safety_policy(settings)
        for prompt in {s.prompt for s in shot_list.shots} - {s.prompt for s in parent_list.shots}:
            await ensure_screened(prompt, policy)
    recipes = carried_recipes(parent_list, parent_recipes, draft.slots)
    if recipes == parent_recipes:
        raise RemixError(
            "That would give the same video as clip #{clip_id}; try a different change.",
            clip_id=parent.id, code="no_change",
        )
    template = parent_recipes[0]
    plan = ClipPlan(
        shot_list=shot_list,
        model=parent.model,
        seeds=[slot.seed for slot in draft.slots],
        aspect=aspect_of(template),
        steps=template.steps,
        # A remix of a draft is a draft: the same quality and fast path, the same place in the queue.
        priority=PRIORITY_DRAFT if is_draft(template) else PRIORITY_FINAL,
        parent_id=parent.id,
        remix_kind=change.kind,
        remix_note=change.describe(),
        recipes=tuple(recipes),
    )
    return plan, draft.request
