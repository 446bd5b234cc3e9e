"""Remixing: a new clip made from an existing one plus one change, with the parent recorded.

Only shots whose recipe changed are rendered: every other shot keeps its parent's exact recipe, so the
render cache (keyed by recipe hash) serves it for free, and `Accepted.reused` says how many that was.
Front-ends turn what the member typed into a `RemixChange` with `parse_change` (or build one for a
button) and call `remix`.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import sqlite_utils

from common.text import N_, Nn_, Text
from generation.encoding import last_frame_png
from generation.recipe import ShotRender
from generation.registry import ASPECTS, get_preset
from generation.segments import resized
from prompts.compose import compose_prompt, shorten, style_description
from prompts.expand import ExpandOptions
from prompts.request import parse_request
from prompts.safety import ensure_screened, sanitize_request
from prompts.schema import Shot, ShotList, StyleBible
from storage import clips as clip_store
from common.errors import NotFound
from storage.records import PRIORITY_DRAFT, PRIORITY_FINAL, Clip, GuildSettings
from storage.requests import StoredRequest
from storage.users import remix_opted_out, set_remix_opt_out
from common.errors import ReelbotError
from common.files import store_by_content
from studio.busy import refuse_or_keep
from studio.converters import to_id
from studio.errors import StudioError
from studio.request_kinds import finishes
from studio.members import Member, author_text, visible_clip
from studio.requests import Accepted, ClipPlan
from studio.service import Studio
from studio.shot_edit import amendment, describes_a_shot, edit_shot
from studio.shots import random_seed, shot_seeds

RemixKind = Literal["edit", "shot", "reroll", "style", "camera", "add", "remove", "reorder", "extend"]
REMIX_KINDS: tuple[RemixKind, ...] = get_args(RemixKind)
# `RemixChange.to` for "move shot 2 last".
LAST = -1
# How an extension's action ends, so the model (and a reader) knows it picks up where the clip ended.
CONTINUING = ", continuing from where the previous shot ended"
_NEEDS_TEXT = {"edit", "shot", "style", "camera", "add"}
_NEEDS_SHOT = {"shot", "camera", "remove"}
_EXAMPLES = Text.of(N_(
    "Try `make it noir`, `shot 2: the monster roars`, `reroll 3`, `camera 2: slow crane up`, "
    "`add: the monster falls asleep`, `remove shot 2`, `swap 1 and 3` or `extend`."
))


class RemixError(StudioError):
    """A remix that cannot be made as asked: a bad shot number, a refusal, nothing left to change."""

    code = "remix_refused"


@dataclass(frozen=True)
class RemixChange:
    """One change to a clip. Shot numbers are 1-based, as members see them.

    `text`: the amendment to the request (edit), a shot's new content (shot, add, extend), a look
    (style) or a camera move (camera). `shot`: the shot it targets; for add, where the new shot goes
    (default: at the end); for reroll, None re-rolls every shot. Reorder takes either `order` (every
    shot once, "3 1 2"), or `shot` with `to` (its new position, LAST for the end), or with `swap`
    (`to` is the shot it trades places with).
    """

    kind: RemixKind
    text: str = ""
    shot: int | None = None
    to: int | None = None
    swap: bool = False
    order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in REMIX_KINDS:
            raise ValueError(f"unknown remix kind {self.kind!r}")
        if self.kind in _NEEDS_TEXT and not self.text.strip():
            raise RemixError("Tell me what the new version should be. {examples}", examples=_EXAMPLES, code="no_text")
        if self.kind in _NEEDS_SHOT and self.shot is None:
            raise RemixError("Which shot? Add its number, e.g. `{usage}`.", usage=_usage(self.kind), code="which_shot")
        numbers = [n for n in (self.shot, self.to, *self.order) if n is not None and n != LAST]
        if any(number < 1 for number in numbers):
            raise RemixError("Shots are numbered from 1.", code="no_such_shot")
        if self.kind == "reorder" and not self.order and (self.shot is None or self.to is None):
            raise RemixError(
                "Say how to reorder, e.g. `swap 1 and 3`, `move shot 3 first` or `order 3 1 2`.", code="bad_order"
            )

    def describe(self) -> Text:
        """What changed, in a few words, for a front-end to translate: stored as the clip's remix note
        (Text JSON) and shown in its lineage. The member's own words (`text`) stay as they typed them."""
        if self.kind == "edit":
            return Text.of(N_("changed the request: {text}"), text=self.text)
        if self.kind == "shot":
            return Text.of(N_("shot {shot}: {text}"), shot=self.shot, text=self.text)
        if self.kind == "reroll":
            return Text.of(N_("re-rolled shot {shot}"), shot=self.shot) if self.shot else Text.of(N_("re-rolled every shot"))
        if self.kind == "style":
            return Text.of(N_("style: {text}"), text=self.text)
        if self.kind == "camera":
            return Text.of(N_("camera of shot {shot}: {text}"), shot=self.shot, text=self.text)
        if self.kind == "add":
            if self.shot:
                return Text.of(N_("added shot {shot}: {text}"), shot=self.shot, text=self.text)
            return Text.of(N_("added a shot: {text}"), text=self.text)
        if self.kind == "remove":
            return Text.of(N_("removed shot {shot}"), shot=self.shot)
        if self.kind == "reorder":
            if self.order:
                return Text.of(N_("new shot order: {order}"), order=", ".join(map(str, self.order)))
            if self.swap:
                return Text.of(N_("swapped shots {shot} and {other}"), shot=self.shot, other=self.to)
            if self.to == LAST:
                return Text.of(N_("moved shot {shot} last"), shot=self.shot)
            if self.to == 1:
                return Text.of(N_("moved shot {shot} first"), shot=self.shot)
            return Text.of(N_("moved shot {shot} to position {position}"), shot=self.shot, position=self.to)
        return Text.of(N_("extended: {text}"), text=self.text) if self.text else Text.of(N_("extended the clip"))


def _usage(kind: str) -> str:
    return {"shot": "shot 2: the monster roars", "camera": "camera 2: slow crane up",
            "remove": "remove shot 2"}[kind]


# --- parsing what a member typed ----------------------------------------------------------------------

_N = r"(?:shot\s*#?\s*|#)?(\d+)"
_ZH_DIGITS = {"一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6"}
# "第二个镜头", "第2镜", "镜头3" -> "shot 2": the English rules below then read Chinese shot numbers too.
_ZH_SHOT = re.compile(r"第\s*([一二两三四五六\d]+)\s*个?\s*(?:镜头|镜)|镜头\s*([一二两三四五六\d]+)")
_RULE_PATTERNS = (
    ("reroll", rf"^(?:re-?roll|regenerate|regen|new seed|重新生成|重来)"
               rf"(?:\s*(all|everything|every\s*shot|all\s*shots|全部|所有))?(?:\s*{_N})?$"),
    ("remove", rf"^(?:remove|delete|drop|cut|删除|删掉|去掉)(?:\s*{_N})?$"),
    ("swap", rf"^(?:swap|switch|exchange|交换|对调)\s*(?:shots\s*)?{_N}\s*(?:and|&|with|,|和|与)\s*{_N}$"),
    ("move", rf"^(?:move|put)\s*{_N}\s*(?:to\s+)?(?:the\s+)?(?:(first|start|beginning|front)|(last|end)"
             rf"|(?:position\s*)?(\d+))$"),
    ("move", rf"^把?\s*{_N}\s*(?:移到|放到|挪到)\s*(?:(最前面?|开头)|(最后面?|结尾)|{_N})$"),
    ("order", r"^(?:re-?order|order|顺序)\s*:?\s*(\d+(?:\s*[,\s]\s*\d+)+)$"),
    ("camera", rf"^(?:camera|cam|运镜)(?:\s*{_N})?\s*:\s*(.+)$"),
    ("add", rf"^(?:add|append|insert|添加|加)(?:\s+(?:a\s+)?(?:new\s+)?shot|\s*一?个?镜头)?"
            rf"(?:\s*(?:at\s+)?{_N})?\s*:\s*(.+)$"),
    ("extend", r"^(?:extend|continue|keep going|make it longer|延长|继续|续写)(?:\s*:\s*(.+))?$"),
    ("style", r"^(?:style\b|风格|画风)\s*(?::|to\b|改成|换成)?\s*(.+)$"),
    # "make it noir" is a look when the word names one or says "style"; "make it rain" is an edit.
    ("look", r"^(?:make it|make this|turn it into|redo it as|改成|换成|变成)\s*(?:an?\s+)?(.+?)"
             r"(\s*(?:style|风格|画风))?$"),
    ("style", r"^(?:in\s+)?(.+?)\s*(?:style|风格|画风)$"),
    ("shot", rf"^{_N}\s*:\s*(.+)$"),
    # "make shot 2 funnier", "shot 3 at night", "in shot 2, make it rain", "第二个镜头改成夜景"
    ("shot", r"^(?:please\s+)?(?:make|turn|change|set|put|redo|have|in)?\s*(?:the\s+)?shot\s*#?\s*(\d+)\s*"
             r"(?:to|into|be|:|,|-)?\s*(.+)$"),
)
_RULES = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _RULE_PATTERNS)


def parse_change(text: str, shot: int | None = None) -> RemixChange:
    """Free text (plus the command's optional shot number) -> a RemixChange.

    Understands "make it noir", "style: watercolor", "shot 2: the monster roars", "reroll 3", "reroll",
    "remove shot 2", "swap 1 and 3", "move shot 3 first", "order 3 1 2", "camera 2: slow crane up",
    "add: the monster falls asleep", "extend", and the Chinese 重新生成, 风格, 删除, 添加, 延长, 交换, 第二个镜头.
    Anything else is an edit of the whole request, or of `shot` when one is given. A number in the text
    wins over `shot`.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned:
        raise RemixError("Tell me what to change. {examples}", examples=_EXAMPLES, code="no_text")
    normalized = _ZH_SHOT.sub(lambda m: f"shot {_zh_number(m.group(1) or m.group(2))}", cleaned)
    for kind, pattern in _RULES:
        match = pattern.match(normalized)
        if match is None:
            continue
        change = _from_match(kind, match, shot)
        if change is not None:
            return change
    if style_description(cleaned) != cleaned.strip():  # a bare look word: "noir", "水墨"
        return RemixChange("style", cleaned)
    return RemixChange("shot", cleaned, shot) if shot is not None else RemixChange("edit", cleaned)


def _zh_number(text: str) -> str:
    return "".join(_ZH_DIGITS.get(char, char) for char in text)


def _from_match(kind: str, match: re.Match[str], shot: int | None) -> RemixChange | None:
    groups = match.groups()
    number = next((int(g) for g in groups if g and g.isdigit()), None)
    target = shot if number is None else number
    if kind == "reroll":
        return RemixChange("reroll", shot=None if groups[0] else target)
    if kind == "remove":
        return RemixChange("remove", shot=target)
    if kind == "swap":
        return RemixChange("reorder", shot=int(groups[0]), to=int(groups[1]), swap=True)
    if kind == "move":
        first, last = groups[1], groups[2]
        target = 1 if first else LAST if last else int(next(g for g in groups[3:] if g))
        return RemixChange("reorder", shot=int(groups[0]), to=target)
    if kind == "order":
        return RemixChange("reorder", order=tuple(int(n) for n in re.findall(r"\d+", groups[0])))
    if kind == "camera":
        return RemixChange("camera", groups[1], target)
    if kind == "add":
        return RemixChange("add", groups[1], target)
    if kind == "extend":
        return RemixChange("extend", groups[0] or "")
    if kind == "style":
        return RemixChange("style", groups[0])
    if kind == "look":
        look, said_style = groups
        return RemixChange("style", look) if said_style or style_description(look) != look.strip() else None
    return RemixChange("shot", groups[1], int(groups[0]))


# --- remixing -----------------------------------------------------------------------------------------


async def remix(
    studio: Studio, member: Member, clip_id: int, change: RemixChange, *, origin: dict | None = None
) -> Accepted:
    """Queue a remix of clip `clip_id`. Raises ReelbotError (refusals are RemixError)."""
    settings = await studio.check_member_may_request(member)
    if change.text:
        change = dataclasses.replace(change, text=sanitize_request(change.text))
        await ensure_screened(change.text, studio.safety_policy(settings))
    options = {"clip_id": clip_id, "change": dataclasses.asdict(change)}
    stored = await studio.record_request(member, "remix", change.describe().english(), options, origin)
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
        source = await studio.adb.read(_load_source, clip_id)
        _check_may_remix(member, source, settings)
        plan, request = await _plan(studio, source.clip, change, settings)
        return await studio.queue_plan(request_id, member, request, plan, settings, origin)
    except ReelbotError as error:
        await refuse_or_keep(studio, request_id, error)


def stored_change(options: dict) -> RemixChange:
    """The RemixChange a stored remix request was made with (JSON turned the order tuple into a list)."""
    change = dict(options["change"])
    change["order"] = tuple(change.get("order", ()))
    return RemixChange(**change)


@finishes("remix")
async def _resume_remix(studio: Studio, stored: StoredRequest) -> Accepted:
    settings = await studio.settings(stored.guild_id)
    member, change = Member.of_request(stored), stored_change(stored.options)
    return await fulfil_remix(studio, stored.id, member, stored.options["clip_id"], change, settings, stored.origin)


@dataclass(frozen=True)
class _Source:
    clip: Clip
    ancestors: list[Clip]
    # Authors anywhere in the clip's chain (the clip, its parent, ... the original) who stop others
    # remixing their work: a remix of a remix still carries every earlier author's shots.
    opted_out: frozenset[int]


def _load_source(db: sqlite_utils.Database, clip_id: int) -> _Source:
    clip = clip_store.get_clip(db, clip_id)
    chain = clip_store.ancestors(db, clip_id)
    authors = {c.author_id for c in (clip, *chain)}
    return _Source(clip, chain, frozenset(a for a in authors if remix_opted_out(db, a)))


def _check_may_remix(member: Member, source: _Source, settings: GuildSettings) -> None:
    clip = source.clip
    own = clip.author_id == member.id
    if not own and not member.sees(clip.guild_id, clip.author_id):
        # Other servers' clips and others' clips made in private messages are not visible here.
        raise NotFound("There is no clip #{clip_id}.", clip_id=clip.id)
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
    slots = [_Slot(shot, recipe.seed, recipe) for shot, recipe in zip(parent_list.shots, parent_recipes, strict=True)]
    draft = _Draft(slots, parent_list.bible, parent.request)
    await _APPLY[change.kind](_Context(studio, parent, parent_list, settings), draft, change)

    shot_list = ShotList.model_validate(
        {**parent_list.model_dump(), **(draft.expanded or {}), "bible": draft.bible.model_dump(),
         "shots": [slot.shot.model_dump() for slot in draft.slots]}
    )
    if change.kind != "edit":  # the expander screened a whole new shot list itself
        policy = studio.safety_policy(settings)
        for prompt in {s.prompt for s in shot_list.shots} - {s.prompt for s in parent_list.shots}:
            await ensure_screened(prompt, policy)
    recipes = _recipes(parent_list, parent_recipes, draft.slots)
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
        # A remix of a draft is a draft: same fewer steps, same place in the queue.
        priority=PRIORITY_DRAFT if template.steps < get_preset(parent.model).steps else PRIORITY_FINAL,
        parent_id=parent.id,
        remix_kind=change.kind,
        remix_note=change.describe(),
        recipes=tuple(recipes),
    )
    return plan, draft.request


@dataclass
class _Slot:
    """One shot of the remix in the making."""

    shot: Shot
    seed: int
    # The parent's recipe this shot was made from (None for a new shot): a changed shot keeps its size,
    # steps, guidance and starting image.
    source: ShotRender | None = None
    # A new shot that continues from the parent's last frame (a PNG file).
    init_image: str | None = None


@dataclass
class _Draft:
    slots: list[_Slot]
    bible: StyleBible
    request: str
    # Title, logline, language and backend of a re-expanded shot list.
    expanded: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Context:
    studio: Studio
    parent: Clip
    parent_list: ShotList
    settings: GuildSettings

    def index(self, shot: int | None, count: int) -> int:
        if shot is None or not 1 <= shot <= count:
            if count == 1:
                raise RemixError("Clip #{clip_id} has 1 shot: use shot 1.", clip_id=self.parent.id, code="no_such_shot")
            raise RemixError("Clip #{clip_id} has {count} shots: pick one from 1 to {count}.", code="no_such_shot",
                             clip_id=self.parent.id, count=count)  # fmt: skip
        return shot - 1

    def check_room(self, count: int) -> None:
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


def recompose(shot: Shot, bible: StyleBible, **fields: Any) -> Shot:
    """The shot with some fields replaced and its full prompt rewritten from them."""
    data = {**shot.model_dump(), **fields}
    data["prompt"] = compose_prompt(camera=data["camera"], subject=data["subject"], action=data["action"],
                                    lighting=data["lighting"], style=data["style"], bible=bible)
    return Shot.model_validate(data)


async def _edit(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
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
    draft.slots = [_Slot(shot, seed) for shot, seed in zip(shot_list.shots, seeds, strict=True)]
    draft.expanded = shot_list.model_dump(include={"title", "logline", "language", "backend"})


async def _edit_shot(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    slot = draft.slots[ctx.index(change.shot, len(draft.slots))]
    whole = describes_a_shot(parse_request(amendment(change.text)))
    written = await ctx.written_shot(amendment(change.text), draft.bible, slot.shot.duration) if whole else None
    slot.shot = edit_shot(slot.shot, draft.bible, change.text, written)


async def _reroll(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    count = len(draft.slots)
    for index in range(count) if change.shot is None else [ctx.index(change.shot, count)]:
        draft.slots[index].seed = random_seed()


async def _style(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    draft.bible = draft.bible.model_copy(update={"style": shorten(style_description(change.text), 300)})
    for slot in draft.slots:
        slot.shot = recompose(slot.shot, draft.bible, style=shorten(draft.bible.style, 200))


async def _camera(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    slot = draft.slots[ctx.index(change.shot, len(draft.slots))]
    slot.shot = recompose(slot.shot, draft.bible, camera=shorten(change.text, 120))


async def _add(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    count = len(draft.slots)
    ctx.check_room(count)
    position = count if change.shot is None else ctx.index(min(change.shot, count + 1), count + 1)
    neighbour = draft.slots[max(position - 1, 0)].shot
    written = await ctx.written_shot(change.text, draft.bible, neighbour.duration)
    # The neighbour's light and look keep the cut seamless; the camera is the expander's choice.
    shot = recompose(written, draft.bible, lighting=neighbour.lighting, style=neighbour.style,
                     negative_prompt=neighbour.negative_prompt, duration=neighbour.duration)
    draft.slots.insert(position, _Slot(shot, random_seed()))


async def _remove(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    index = ctx.index(change.shot, len(draft.slots))
    if len(draft.slots) == 1:
        raise RemixError(
            "Clip #{clip_id} has only one shot, so there is nothing left to keep.",
            clip_id=ctx.parent.id, code="last_shot",
        )
    del draft.slots[index]


async def _reorder(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    draft.slots = [draft.slots[index] for index in _new_order(ctx, change, len(draft.slots))]


def _new_order(ctx: _Context, change: RemixChange, count: int) -> list[int]:
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


async def _extend(ctx: _Context, draft: _Draft, change: RemixChange) -> None:
    ctx.check_room(len(draft.slots))
    last = draft.slots[-1].shot
    written = await ctx.written_shot(change.text, draft.bible, last.duration) if change.text else last
    action = shorten(written.action.removesuffix(CONTINUING), 200 - len(CONTINUING)) + CONTINUING
    shot = recompose(last, draft.bible, subject=written.subject, action=action)
    # With an image-to-video model the new shot starts from the very frame the clip ends on; without
    # one, the shared bible and the continuing action are all that carry over.
    frame = await _last_frame(ctx.studio, ctx.parent) if get_preset(ctx.parent.model).supports_i2v else None
    draft.slots.append(_Slot(shot, random_seed(), init_image=frame and str(frame)))


_APPLY: dict[str, Callable[[_Context, _Draft, RemixChange], Awaitable[None]]] = {
    "edit": _edit, "shot": _edit_shot, "reroll": _reroll, "style": _style, "camera": _camera, "add": _add,
    "remove": _remove, "reorder": _reorder, "extend": _extend,
}


def _recipes(parent_list: ShotList, parent_recipes: list[ShotRender], slots: Sequence[_Slot]) -> list[ShotRender]:
    """A shot the remix left alone (same text, length and seed) keeps its parent's recipe exactly;
    others take their source's (or the clip's) size, steps and guidance with their own prompt, seed
    and length."""
    carried = {
        (shot.prompt, shot.negative_prompt, shot.duration, recipe.seed): recipe
        for shot, recipe in zip(parent_list.shots, parent_recipes, strict=True)
    }
    recipes = []
    for slot in slots:
        shot = slot.shot
        recipe = carried.get((shot.prompt, shot.negative_prompt, shot.duration, slot.seed))
        if recipe is None:
            template = slot.source or parent_recipes[-1]
            recipe = resized(dataclasses.replace(
                template,
                prompt=shot.prompt.strip(),
                negative_prompt=shot.negative_prompt.strip(),
                seed=slot.seed,
                init_image=slot.source.init_image if slot.source else slot.init_image,
            ), shot.duration)
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
    return await asyncio.to_thread(save_last_frame, Path(parent.video_path), studio.config.media_dir / "frames")


def save_last_frame(video: Path, out_dir: Path) -> Path:
    """The video's last frame as a PNG named by its content hash, so equal frames share one file and a
    recipe that starts from it hashes the same every time."""
    return store_by_content(last_frame_png(video), out_dir)


# --- credits, recipes, references, opting out ---------------------------------------------------------


def credit_line(ancestors: Sequence[Clip], *, name: Callable[[Clip], str | Text] | None = None) -> Text | None:
    """The credit a remix carries, e.g. "remix of alice's clip #12": the chain's original, and the direct
    parent when that is a different clip; None for an original (`ancestors`: parent first, original last).
    `name` formats an author (a chat mention). A Text for the front-end to translate."""
    if not ancestors:
        return None
    name = name or author_text
    parent, root = ancestors[0], ancestors[-1]

    def clip_ref(c: Clip) -> Text:
        return Text.of(N_("#{clip_id} (deleted)"), clip_id=c.id) if c.status == "deleted" else Text.raw(f"#{c.id}")

    if parent.id == root.id:
        return Text.of(N_("remix of {author}'s clip {clip}"), author=name(root), clip=clip_ref(root))
    return Text.of(N_("remix of {author}'s clip {clip}, original by {original_author} ({original})"),
                   author=name(parent), clip=clip_ref(parent), original_author=name(root), original=clip_ref(root))


async def credit(studio: Studio, clip: Clip, *, name: Callable[[Clip], str | Text] | None = None) -> Text | None:
    """The clip's credit line ("remix of alice's clip #12 ..."; None for an original); `name` shows an
    author (default: their name, or "a deleted member")."""
    return credit_line(await ancestors(studio, clip), name=name)


async def ancestors(studio: Studio, clip: Clip) -> list[Clip]:
    """The clip's remix chain, parent first and the original last; [] for an original (front-ends word
    the credit in their own language from it)."""
    return list(await studio.adb.read(clip_store.ancestors, clip.id))


def recipe_text(clip: Clip, ancestors: Sequence[Clip] = ()) -> list[Text]:
    """Everything that determines the video, so anyone can render it again exactly: one Text per line
    (a front-end translates and joins them; prompts stay English, as the model reads them)."""
    shot_list = Studio.shot_list(clip)
    recipes = Studio.recipes(clip)
    credit = credit_line(ancestors)
    head = Text.of(N_('Clip #{clip_id} "{title}" by {author}'), clip_id=clip.id, title=shot_list.title,
                   author=author_text(clip))
    lines = [Text.of(N_("{head} ({credit})"), head=head, credit=credit) if credit else head]
    first = recipes[0]
    aspect = aspect_of(first)
    size = f"{first.width}x{first.height}" + (f" ({aspect})" if aspect else "")
    lines += [
        Text.of(N_("Request: {request}"), request=clip.request),
        Text.count(Nn_("Model {model}, {n} shot, {size}, {fps} fps", "Model {model}, {n} shots, {size}, {fps} fps"),
                   len(recipes), model=clip.model, size=size, fps=first.fps),
    ]
    for index, recipe in enumerate(recipes):
        values = {"shot": index + 1, "seed": recipe.seed, "frames": recipe.num_frames, "fps": recipe.fps,
                  "steps": recipe.steps, "guidance": f"{recipe.guidance:g}"}
        if (recipe.width, recipe.height) == (first.width, first.height):
            lines.append(Text.of(N_("Shot {shot}: seed {seed}, {frames} frames at {fps} fps, {steps} steps, "
                                    "guidance {guidance}"), **values))
        else:
            lines.append(Text.of(N_("Shot {shot}: seed {seed}, {frames} frames at {fps} fps, {size}, {steps} steps, "
                                    "guidance {guidance}"), size=f"{recipe.width}x{recipe.height}", **values))
        lines.append(Text.of(N_("  prompt: {prompt}"), prompt=recipe.prompt))
        if index and recipe.negative_prompt == recipes[index - 1].negative_prompt:
            lines.append(Text.of(N_("  negative: same as above")))
        elif recipe.negative_prompt:
            lines.append(Text.of(N_("  negative: {negative}"), negative=recipe.negative_prompt))
        else:
            lines.append(Text.of(N_("  negative: (none)")))
        if recipe.init_image:
            # Content hash: the stored file's name is the picture's (or a frame's) own hash.
            lines.append(Text.of(N_("  starts from picture {picture}"), picture=Path(recipe.init_image).stem[:16]))
        if recipe.continues_from:
            lines.append(Text.of(N_("  continues from shot {shot}'s last frame"), shot=index))
    return lines


async def recipe_card(studio: Studio, member: Member, clip_id: int) -> list[Text]:
    """The recipe of a clip `member` can see (NotFound otherwise); ancestors they can't see are left out
    of its credit line."""

    def read(db: sqlite_utils.Database) -> list[Text]:
        clip = visible_clip(db, member, clip_id)
        chain = [c for c in clip_store.ancestors(db, clip_id) if member.sees(c.guild_id, c.author_id)]
        return recipe_text(clip, chain)

    return await studio.adb.read(read)


@dataclass(frozen=True)
class ClipRef:
    """What a member pointed at: a clip number, or the chat message a clip was posted as."""

    clip_id: int | None = None
    message_id: int | None = None


def parse_clip_ref(text: str) -> ClipRef:
    """A clip number ('12', '#12', 'clip 12'). Raises InvalidValue (code "invalid_id")."""
    return ClipRef(clip_id=to_id(text))


async def resolve_clip(studio: Studio, ref: str | ClipRef, member: Member) -> Clip:
    """The (not deleted) clip a number or a posted message names, if `member` can see it where they are.
    Raises InvalidValue for text that is not a clip number, NotFound for no such clip (or one elsewhere)."""
    ref = parse_clip_ref(ref) if isinstance(ref, str) else ref
    if ref.clip_id is None:
        clip = await studio.clip_posted_as(ref.message_id)
        if clip is None or clip.status == "deleted":
            raise NotFound("That message isn't a clip I posted (or the clip was deleted).", code="not_a_clip")
        ref = ClipRef(clip_id=clip.id)
    return await studio.visible_clip(member, ref.clip_id)


async def set_opt_out(studio: Studio, member: Member, opt_out: bool) -> bool:
    """Stop (or allow again) others remixing the member's clips; returns the new setting."""
    user = await studio.adb.write(set_remix_opt_out, member.id, opt_out, name=member.name)
    return user.remix_opt_out
