"""What a remix carries and shows: its credit line, its chain of ancestors, the recipe card that renders it
again exactly, the clip a member points at, and opting out of being remixed."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from common.errors import NotFound
from common.text import N_, Nn_, Text
from generation.recipe import picture_digest
from storage.cast_uses import CastCredit, clip_cast
from storage.records import Clip
from storage.users import remix_opted_out, set_remix_opt_out
from studio.cast.credits import recipe_lines as cast_recipe_lines
from studio.converters import to_id
from studio.members import Member, ancestry, author_text, visible_clip
from studio.remix.kinds import aspect_of
from studio.service import Studio


# How a child clip credits its parent, by the child's remix kind: (someone's clip, the reader's own clip).
_CREDITS: dict[str | None, tuple[str, str]] = {
    "finalize": (N_("final of {author}'s clip {clip}"), N_("final of your clip {clip}")),
    "pick": (N_("picked from {author}'s takes {clip}"), N_("picked from your takes {clip}")),
    "vary": (N_("variation of {author}'s clip {clip}"), N_("variation of your clip {clip}")),
}
_REMIX_CREDIT = (N_("remix of {author}'s clip {clip}"), N_("remix of your clip {clip}"))
# What a child clip is, in a word (a gallery card's label), by its remix kind; any other kind is a remix.
_KIND_WORDS: dict[str, str] = {"finalize": N_("final"), "pick": N_("picked take"), "vary": N_("variation")}


def kind_word(clip: Clip) -> Text | None:
    """What `clip` is beside its parent in a word, as its credit words it ("final", "variation", "picked
    take", else "remix"); None for an original."""
    if clip.parent_id is None:
        return None
    return Text.of(_KIND_WORDS.get(clip.remix_kind or "", N_("remix")))


def credit_line(
    ancestors: Sequence[Clip],
    *,
    elsewhere: int = 0,
    name: Callable[[Clip], str | Text] | None = None,
    clip: Clip | None = None,
    yours: bool = False,
) -> Text | None:
    """The credit a child clip carries, e.g. "remix of alice's clip #12", "final of your clip #10": its
    parent, and the chain's original when another member made it; None for an original (`ancestors`:
    parent first, original last, as the reader sees them). `elsewhere` ancestors made in other servers are
    counted, never named. `clip` (the child) words it by its kind (a finalize, a picked take, a
    remix); `yours` says "your clip" where the child's author made the parent (a message to that
    author). `name` formats an author (a chat mention). A Text for the front-end to translate."""
    if not ancestors:
        return Text.count(Nn_("remix of {n} clip from elsewhere", "remix of {n} clips from elsewhere"),
                          elsewhere) if elsewhere else None
    if elsewhere:
        return Text.count(Nn_("{credit} (+{n} clip from elsewhere)", "{credit} (+{n} clips from elsewhere)"),
                          elsewhere, credit=credit_line(ancestors, name=name, clip=clip, yours=yours))
    name = name or author_text
    parent, root = ancestors[0], ancestors[-1]

    def clip_ref(c: Clip) -> Text:
        return Text.of(N_("#{clip_id} (deleted)"), clip_id=c.id) if c.status == "deleted" else Text.raw(f"#{c.id}")

    someones, own = _CREDITS.get(clip.remix_kind if clip is not None else None, _REMIX_CREDIT)
    if yours and clip is not None and parent.author_id == clip.author_id:
        line = Text.of(own, clip=clip_ref(parent))
    else:
        line = Text.of(someones, author=name(parent), clip=clip_ref(parent))
    if parent.id == root.id or parent.author_id == root.author_id:
        return line
    return Text.of(N_("{credit}, original by {original_author} ({original})"), credit=line,
                   original_author=name(root), original=clip_ref(root))


async def credit(studio: Studio, clip: Clip, *, name: Callable[[Clip], str | Text] | None = None) -> Text | None:
    """The clip's credit line ("remix of alice's clip #12 ..."; None for an original); `name` shows an
    author (default: their name, or "a deleted member")."""
    seen, elsewhere = await ancestors(studio, clip)
    return credit_line(seen, elsewhere=elsewhere, name=name, clip=clip)


async def ancestors(studio: Studio, clip: Clip) -> tuple[list[Clip], int]:
    """The clip's remix chain as seen where the clip was made (parent first, the original last; [] for an
    original) and how many ancestors were made elsewhere (`studio.members.ancestry`): front-ends word the
    credit in their own language from both."""
    return await studio.adb.read(ancestry, clip)


def recipe_text(
    clip: Clip, ancestors: Sequence[Clip] = (), elsewhere: int = 0, *, cast: Sequence[CastCredit] = ()
) -> list[Text]:
    """Everything that determines the video, so anyone can render it again exactly: one Text per line
    (a front-end translates and joins them; prompts stay English, as the model reads them). Its credit
    names `ancestors` and counts `elsewhere` ones; the characters it features (`cast`) are credited to
    their owners, with each shot's reference pictures."""
    shot_list = Studio.shot_list(clip)
    recipes = Studio.recipes(clip)
    credit = credit_line(ancestors, elsewhere=elsewhere, clip=clip)
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
        *cast_recipe_lines(cast),
    ]
    for index, recipe in enumerate(recipes):
        # The frames of the rendered shot (all its segments joined, cut to the plan), not one generation's.
        values = {"shot": index + 1, "seed": recipe.seed, "frames": recipe.frames, "fps": recipe.fps,
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
            said = N_("  starts from its approved still {picture}") if recipe.from_still else N_(
                "  starts from picture {picture}")
            lines.append(Text.of(said, picture=Path(recipe.init_image).stem[:16]))
        if recipe.references:
            lines.append(Text.of(N_("  reference pictures: {pictures}"),
                                 pictures=", ".join(picture_digest(path)[:12] for path in recipe.references)))
        if recipe.continues_from:
            lines.append(Text.of(N_("  continues from shot {shot}'s last frame"), shot=index))
        if recipe.fast_path:
            # The fast path decides pixels too (generation.fast_paths): name it, so the shot renders again.
            through = N_("  a draft, through {path}") if recipe.quality == "draft" else N_("  final, through {path}")
            lines.append(Text.of(through, path=recipe.fast_path))
    return lines


def shot_details(clip: Clip) -> list[Text]:
    """What Details shows, short: per shot (per take, for a clip of takes) its seed, steps, the frames it
    really has and their rate, and its prompt; then the model and size (`recipe_text` has the rest)."""
    recipes = Studio.recipes(clip)
    takes = clip.remix_kind == "takes"
    lines: list[Text] = []
    for index, recipe in enumerate(recipes, start=1):
        values = {"number": index, "seed": recipe.seed, "steps": Text.count(Nn_("{n} step", "{n} steps"), recipe.steps),
                  "frames": Text.count(Nn_("{n} frame", "{n} frames"), recipe.frames), "fps": recipe.fps,
                  "seconds": f"{recipe.duration:.1f}"}
        lines.append(Text.of(N_("**Take {number}** · seed {seed} · {steps} · {frames} at {fps} fps ({seconds} s)")
                             if takes else
                             N_("**Shot {number}** · seed {seed} · {steps} · {frames} at {fps} fps ({seconds} s)"),
                             **values))
        lines.append(Text.raw(f"> {recipe.prompt}"))
    first = recipes[0]
    lines.append(Text.of(N_("{model}, {width}×{height}"), model=clip.model, width=first.width, height=first.height))
    return lines


async def recipe_card(studio: Studio, member: Member, clip_id: int) -> list[Text]:
    """The recipe of a clip `member` can see (NotFound otherwise); ancestors they can't see are left out
    of its credit line."""

    def read(db: sqlite_utils.Database) -> list[Text]:
        clip = visible_clip(db, member, clip_id)
        return recipe_text(clip, *ancestry(db, clip, member), cast=clip_cast(db, clip_id))

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


async def opted_out(studio: Studio, member: Member) -> bool:
    """Whether the member stopped others remixing their clips."""
    return await studio.adb.read(remix_opted_out, member.id)
