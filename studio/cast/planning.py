"""Putting a cast into a plan, whatever planned it (the rules, an LLM, a remix of a clip): every character's
description verbatim in the style bible's `characters` field and in the prompt of every shot that features
them, and their reference pictures in those shots' recipes where the preset can take them.

Which shots feature whom: a shot features the characters its prompt (what the model reads) names, by name
or alias, in any language (`studio.cast.names`); a shot that names none of the cast features all of it (a
request about Mira keeps her in the shot a planner wrote as "close-up: she laughs"). Applying a cast
twice changes nothing, so a remix's unchanged shots keep their parent's recipes exactly and the render
cache serves them. A remix whose source featured a character since deleted drops that character's
description and pictures from every shot.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from common.text import N_, Text
from generation.recipe import ShotRender
from generation.registry import get_preset
from prompts.compose import PROMPT_MAX_CHARS, shorten
from prompts.schema import BIBLE_CHARACTERS_MAX_CHARS, ShotList
from storage.cast import Character
from storage.cast_uses import CastCredit
from studio.cast.names import mentions, name_key
from studio.cast.rules import MAX_REFERENCES


@dataclass(frozen=True)
class CastPlan:
    """A plan with its cast in it: the shot list and recipes as they will be stored, the credit of each
    character (shots featuring them, whether rendered from their pictures; `clip_id` 0 until the clip is
    stored) and notes for the member."""

    shot_list: ShotList
    recipes: list[ShotRender]
    credits: list[CastCredit]
    notes: list[Text]


def clause(name: str, description: str) -> str:
    """How a character stands in a prompt and in the bible: "Mira: a girl in a yellow raincoat"."""
    return f"{name}: {description.rstrip('. ')}"


def _without(prompt: str, gone: Sequence[CastCredit]) -> str:
    """`prompt` without the clauses of characters no longer in the cast."""
    for credit in gone:
        if credit.description:
            prompt = prompt.replace(clause(credit.name, credit.description) + ".", "")
    return " ".join(prompt.split())


def with_descriptions(prompt: str, featured: Sequence[Character], *, limit: int = PROMPT_MAX_CHARS) -> str:
    """`prompt` ending with the clause of every featured character it doesn't already hold, verbatim; the
    prompt's own words are shortened, never the descriptions, to stay within `limit` characters."""
    missing = [c for c in featured if c.description.rstrip(". ") not in prompt]
    if not missing:
        return prompt
    tail = " ".join(clause(c.name, c.description) + "." for c in missing)
    return f"{shorten(prompt, limit - len(tail) - 1)} {tail}".strip()


def bible_characters(cast: Sequence[Character], written: str, dropped: Sequence[CastCredit] = ()) -> str:
    """The bible's `characters`: the cast's clauses, then what else was `written` there (by the planner),
    without any cast's clauses (kept or `dropped`), shortened to fit."""
    clauses = [clause(c.name, c.description) for c in cast]
    known = {*clauses, *(clause(d.name, d.description) for d in dropped)}
    planner = "; ".join(part for part in written.split("; ") if part.strip() and part not in known)
    line = "; ".join(clauses)
    room = BIBLE_CHARACTERS_MAX_CHARS - len(line) - 2
    if not planner or not line:
        return line or planner
    return f"{line}; {shorten(planner, room)}" if room > 0 else line


def featured(shot_text: str, cast: Sequence[Character]) -> list[Character]:
    """The characters a shot features (see the module): those it names, else the whole cast."""
    keys = {name_key(name): c.id for c in cast for name in c.names}
    named = set(mentions(shot_text, keys))
    return [c for c in cast if c.id in named] or list(cast)


def references(featured_cast: Sequence[Character]) -> tuple[str, ...]:
    """Reference pictures for a shot: every featured character's first picture, then their second, ...,
    at most MAX_REFERENCES."""
    rounds = max((len(c.pictures) for c in featured_cast), default=0)
    ordered = [c.pictures[i].path for i in range(rounds) for c in featured_cast if i < len(c.pictures)]
    return tuple(ordered[:MAX_REFERENCES])


def cast_into(
    shot_list: ShotList,
    recipes: Sequence[ShotRender],
    cast: Sequence[Character],
    *,
    dropped: Sequence[CastCredit] = (),
    one_shot: bool = False,
) -> CastPlan:
    """The plan with `cast` in it (see the module). `recipes` render the shot list's shots in order, or,
    with `one_shot` (takes), all render its first shot."""
    if not cast and not dropped:
        return CastPlan(shot_list, list(recipes), [], [])
    shots, in_shot = [], []
    for shot in shot_list.shots:
        cleaned = _without(shot.prompt, dropped)
        cast_here = featured(cleaned, cast) if cast else []
        in_shot.append(cast_here)
        shots.append(shot.model_copy(update={"prompt": with_descriptions(cleaned, cast_here)}))
    bible = shot_list.bible.model_copy(
        update={"characters": bible_characters(cast, shot_list.bible.characters, dropped)})
    model = get_preset(recipes[0].model) if recipes else None
    conditioned = bool(model and model.references)
    out = []
    for index, recipe in enumerate(recipes):
        cast_here = in_shot[0 if one_shot else index]
        out.append(dataclasses.replace(
            recipe, prompt=with_descriptions(_without(recipe.prompt, dropped), cast_here),
            references=references(cast_here) if get_preset(recipe.model).references else ()))
    notes = [Text.of(N_("{name} is no longer in this clip: their owner deleted them."),
                     name=credit.name or Text.of(N_("a deleted member's character")))
             for credit in dropped]  # fmt: skip
    if cast and not conditioned:
        notes.append(Text.of(N_("{model} can't take reference pictures, so {names} came from their description "
                                "alone."), model=recipes[0].model if recipes else "",
                             names=", ".join(c.name for c in cast)))  # fmt: skip
    credits = [
        CastCredit(0, c.id, position, c.name, c.description, c.owner_id, c.owner_name, c.guild_id,
                   tuple(i for i, here in enumerate(in_shot) if any(h.id == c.id for h in here)), conditioned)
        for position, c in enumerate(cast)
    ]
    notes = [note for note in notes if note not in shot_list.notes]  # a remix carries its parent's notes
    updated = shot_list.model_copy(update={"bible": bible, "shots": shots, "notes": [*shot_list.notes, *notes]})
    return CastPlan(updated, out, credits, notes)
