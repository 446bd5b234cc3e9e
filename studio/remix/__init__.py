"""Remixing: a new clip made from an existing one plus one change, with the parent recorded.

Front-ends turn what the member typed into a `RemixChange` with `parse_change` (or build one for a button)
and call `remix`. The package:

- `change`: one change to a clip, and reading it from what a member typed;
- `kinds`: how each kind of change reshapes the remix, and the recipes that come out of it;
- `planning`: `remix` itself (stored first, then planned and queued; also how a restart finishes one);
- `credits`: credit lines, ancestors, the recipe card, the clip a member points at, opting out.
"""
from studio.remix.change import CONTINUING, LAST, REMIX_KINDS, RemixChange, RemixError, RemixKind, parse_change
from studio.remix.credits import (
    ClipRef,
    ancestors,
    credit,
    credit_line,
    kind_word,
    opted_out,
    parse_clip_ref,
    recipe_card,
    recipe_text,
    resolve_clip,
    set_opt_out,
    shot_details,
)
from studio.remix.kinds import aspect_of, recompose, save_frame
from studio.remix.planning import fulfil_remix, remix

__all__ = [
    "CONTINUING",
    "LAST",
    "REMIX_KINDS",
    "ClipRef",
    "RemixChange",
    "RemixError",
    "RemixKind",
    "ancestors",
    "aspect_of",
    "credit",
    "credit_line",
    "kind_word",
    "fulfil_remix",
    "opted_out",
    "parse_change",
    "parse_clip_ref",
    "recipe_card",
    "recipe_text",
    "recompose",
    "remix",
    "resolve_clip",
    "save_frame",
    "set_opt_out",
    "shot_details",
]
