"""Writing the text fields of a shot: the full model prompt, the negative prompt, bounded lengths."""
from __future__ import annotations

import re

from prompts.lexicon import STYLES
from prompts.schema import StyleBible

DEFAULT_NEGATIVE = (
    "blurry, low quality, low resolution, distorted, deformed, bad anatomy, extra limbs, duplicate subject, "
    "watermark, text, subtitles, logo, jpeg artifacts, flickering, jittery motion, static frame, nsfw"
)
NEGATIVE_MAX_CHARS = 600
PROMPT_MAX_CHARS = 1200


def shorten(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters at a word boundary (schema limits are hard)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    return cut[:limit].rstrip(" ,;:")


def join_within(parts: list[str], limit: int, sep: str = ", ") -> str:
    """Join the non-empty parts in order, dropping later ones that would cross the limit."""
    joined = ""
    for part in (part.strip() for part in parts):
        if (part and len(joined) + len(sep) + len(part) <= limit) or not joined:
            joined = f"{joined}{sep}{part}" if joined else part
    return shorten(joined, limit)


def style_description(style: str) -> str:
    """A style word ("anime", "水墨") becomes its full description; free text is kept as written."""
    key = style.strip().lower()
    for name, (look, aliases) in STYLES.items():
        if key == name or key in aliases or key in (f"{alias} style" for alias in aliases):
            return look.style
    return style.strip()


def negative_prompt(extra: str | None = None) -> str:
    return shorten(f"{DEFAULT_NEGATIVE}, {extra.strip()}" if extra and extra.strip() else DEFAULT_NEGATIVE,
                NEGATIVE_MAX_CHARS)


def compose_prompt(*, camera: str, subject: str, action: str, lighting: str, style: str, bible: StyleBible) -> str:
    """Bible + shot fields -> one English prompt. The bible's characters and setting are repeated in every
    shot because each shot is rendered on its own: the model only keeps continuity it is told about."""
    return compose_core(camera=camera, core=shot_core(subject, action), lighting=lighting, style=style, bible=bible)


def shot_core(subject: str, action: str) -> str:
    """What happens in a shot as one clause: "the monster" + "roars" -> "the monster roars"; an action that
    already names its subject anywhere (the rule-based planner keeps the member's whole sentence: "the fox
    stops", "一只熊猫在雪地里打滚" for 熊猫, "走るミラ" for ミラ) stands alone, so the subject is said once."""
    return action if names_subject(action, subject) else f"{subject} {action}".strip()


def names_subject(action: str, subject: str) -> bool:
    """Whether `action` already names `subject` (its words without an article, as a whole word in spaced
    scripts; anywhere in scripts written without spaces)."""
    bare = re.sub(r"^(?:an?|the|one|some)\s+", "", subject.strip().lower())
    if not bare:
        return True
    text = action.lower()
    if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", bare):
        return bare in text
    return re.search(rf"(?<!\w){re.escape(bare)}(?!\w)", text) is not None


def compose_core(*, camera: str, core: str, lighting: str, style: str, bible: StyleBible,
                 setting: bool = True) -> str:
    """`core` (what happens, in the member's own words where the planner kept them) framed by the camera,
    the light, the style and the bible's continuity; `setting=False` when the core already says where."""
    sentences = [
        f"{_capital(camera)}: {core}",
        f"Setting: {bible.setting}" if bible.setting and setting else "",
        f"Lighting: {lighting}",
        f"Style: {style}",
        f"Continuity: {bible.characters}" if bible.characters else "",
    ]
    return shorten(". ".join(sentence.rstrip(". ") for sentence in sentences if sentence) + ".", PROMPT_MAX_CHARS)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
