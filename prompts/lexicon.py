"""What the rule-based expander writes for the look words (time, weather, mood, style): their English
lighting and style language. The words members type for them, in every language, are data
(prompts/languages/*.toml, `[looks.*]`); each table here pairs a Look with all of them. Also the Chinese ->
English phrase dictionary (zh-CN's `[dictionary]`) for the nouns, places and actions requests use most.

Aliases are lowercase; Latin aliases match on word boundaries, CJK aliases as substrings.
"""
from __future__ import annotations

from dataclasses import dataclass

from prompts.langdata import language, languages


@dataclass(frozen=True)
class Look:
    """One recognised look word: how it reads in a setting line and what it does to light and style."""

    phrase: str
    lighting: str
    style: str = ""


_TIMES_LOOKS = {
    "sunset": Look("at sunset", "warm golden-hour backlight, long soft shadows, orange and magenta sky"),
    "dawn": Look("at dawn", "soft pastel dawn light, low sun, gentle morning haze"),
    "night": Look("at night", "cool moonlight and warm practical lights, deep blue shadows"),
    "day": Look("in daylight", "bright natural daylight, crisp soft shadows"),
}
_WEATHER_LOOKS = {
    "rain": Look("in the rain", "wet reflective surfaces, rain streaks catching light"),
    "snow": Look("in falling snow", "soft diffuse light, drifting snowflakes"),
    "fog": Look("in thick fog", "volumetric fog diffusing the light"),
    "storm": Look("during a thunderstorm", "dramatic storm light, flashes of lightning"),
}
_MOODS_LOOKS = {
    "eerie": Look("", "low-key lighting, cold desaturated tones", "unsettling, suspenseful atmosphere"),
    "epic": Look("", "dramatic high-contrast light with god rays", "epic sense of scale"),
    "cozy": Look("", "warm soft light", "heartwarming, playful mood"),
    "calm": Look("", "gentle even light", "tranquil, meditative mood"),
    "sad": Look("", "muted overcast light", "melancholic mood"),
}
DEFAULT_STYLE = "cinematic"
_STYLES_LOOKS = {
    "cinematic": Look("", "", "cinematic live-action film, anamorphic 35mm lens, rich color grading, subtle film grain"),
    "anime": Look("", "", "anime style, hand-drawn cel animation, clean line art, vibrant colors"),
    "claymation": Look("", "", "claymation stop-motion, handcrafted clay figures, visible fingerprints, miniature set"),
    "noir": Look("", "hard low-key chiaroscuro light, venetian-blind shadows",
         "film noir, black and white, 1940s detective film look"),
    "ink": Look("", "", "traditional Chinese ink wash painting, flowing brushstrokes, rice paper texture, muted tones"),
    "watercolor": Look("", "", "soft watercolor illustration, bleeding pigments, paper texture"),
    "pixel": Look("", "", "pixel art, 16-bit video game look, limited palette"),
    "3d": Look("", "", "3D animated feature film, soft global illumination, expressive stylized characters"),
    "cyberpunk": Look("", "neon glow in teal and magenta", "cyberpunk, neon-soaked, rain-slick high-tech streets"),
    "documentary": Look("", "", "nature documentary footage, telephoto lens, natural colors"),
    "vintage": Look("", "", "vintage 16mm film, faded colors, light leaks, heavy grain"),
    "oil": Look("", "", "impressionist oil painting, visible brushstrokes, rich textured color"),
    "bw": Look("", "high-contrast light", "black and white cinematography, silver tones"),
}


def _with_aliases(table: str, looks: dict[str, Look]) -> dict[str, tuple[Look, tuple[str, ...]]]:
    """Each look with the words every language's data file has for it (`[looks.<table>]`)."""
    found: dict[str, list[str]] = {key: [] for key in looks}
    for data in languages():
        for key, aliases in data.table(f"looks.{table}").items():
            if key not in looks:
                raise ValueError(f"{data.code}: looks.{table}.{key} is not a look the planner knows")
            found[key] += [alias.lower() for alias in aliases]
    return {key: (look, tuple(dict.fromkeys(found[key]))) for key, look in looks.items()}


TIMES = _with_aliases("time", _TIMES_LOOKS)
WEATHER = _with_aliases("weather", _WEATHER_LOOKS)
MOODS = _with_aliases("mood", _MOODS_LOOKS)
STYLES = _with_aliases("style", _STYLES_LOOKS)
# Subjects that have a face to close in on (English; other languages list theirs as `parts.animate`).
ANIMATE = frozenset(language("en").words("parts.animate"))
# Proper place names written in lowercase by users get their capitals back.
PROPER_PLACES = tuple(language("en").templates("parts.proper_places"))


@dataclass(frozen=True)
class Entry:
    """A Chinese phrase and its English; `kind` says how the parser uses it.

    kinds: subject (noun), adj, place (with `prep`), city (proper place), action, quantity, join ("and").
    """

    kind: str
    english: str
    prep: str = "in"


def _dictionary() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for kind, table in language("zh-CN").table("dictionary").items():
        for chinese, english in table.items():
            entries[chinese] = Entry(kind, *english) if isinstance(english, list) else Entry(kind, english)
    return entries


ZH = _dictionary()
