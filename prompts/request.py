"""Reading a casual request: who/what, doing what, where, and the look words around it.

English requests are split at their verb and first place preposition; Chinese requests are segmented
greedily against the phrase lexicon and rebuilt in English. Requests in other languages keep their text as
the subject (multilingual video text encoders still get the meaning).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from prompts.lexicon import ANIMATE, MOODS, PROPER_PLACES, STYLES, TIMES, WEATHER, ZH, Entry, Look
from prompts.beats import split_beats, strip_framing
from prompts.grammar import AskedOptions, normalize, option_fragments, read_options
from prompts.numbers import WORDS as NUMBER_WORDS

# Stands in when a request names no subject ("at night in the rain", "make it anime").
PLACEHOLDER_SUBJECT = "a lone figure"
_PRONOUNS = frozenset("it its they them he him she her we us i me you this that these those everything "
                      "everyone something someone".split())


@dataclass(frozen=True)
class RequestFacts:
    text: str
    language: str
    subject: str
    action: str = ""
    prep: str = "in"
    setting: str = ""
    # Whatever trailed the setting ("while people flee"), kept for the action beats.
    detail: str = ""
    time: str | None = None
    weather: str | None = None
    mood: str | None = None
    style: str | None = None
    shots: int | None = None
    duration: float | None = None
    # False when the request could not be read and `subject` is simply its text (unknown language or words).
    understood: bool = True
    # Everything the option grammar read, and the request cut into beats (the member's own words, in order).
    asked: AskedOptions = field(default_factory=AskedOptions)
    beats: tuple[str, ...] = ()

    @property
    def subject_ref(self) -> str:
        """The subject as later shots refer to it: "a giant monster" -> "the giant monster"."""
        return re.sub(r"^(?:an?|one|some)\s+", "the ", self.subject, flags=re.IGNORECASE)

    @property
    def names_subject(self) -> bool:
        """False for "make it at night": a remix note that leaves the subject to the clip being remixed."""
        first = self.subject.split(" ", 1)[0].lower()
        return self.understood and self.subject != PLACEHOLDER_SUBJECT and first not in _PRONOUNS

    @property
    def plural(self) -> bool:
        return is_plural(self.subject)

    @property
    def animate(self) -> bool:
        words = re.findall(r"[a-z]+", self.subject.lower())
        return any(word in ANIMATE or word.rstrip("s") in ANIMATE or word[:-2] in ANIMATE for word in words)

    @property
    def scene(self) -> str:
        """The whole request as one English clause: "a giant monster walking through New York"."""
        parts = [self.subject, self.action]
        if self.setting:
            parts += [self.prep, self.setting]
        return " ".join(part for part in parts if part)

    def look(self, table: str) -> Look | None:
        key = getattr(self, table)
        return _TABLES[table][key][0] if key else None

    def look_phrase(self, table: str, within: str | None = None) -> str:
        """ "at night", unless `within` (default: the setting) already says so ("a moonlit forest")."""
        key = getattr(self, table)
        if not key:
            return ""
        look, aliases = _TABLES[table][key]
        said = (self.setting if within is None else within).lower()
        return "" if any(re.search(_alias_pattern(alias), said) for alias in aliases) else look.phrase


_TABLES = {"time": TIMES, "weather": WEATHER, "mood": MOODS, "style": STYLES}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def parse_request(text: str) -> RequestFacts:
    """Read a request: its options (`prompts.grammar`), the chat framing off, its beats, and who/what/where
    of the first beat (English parsed; Chinese segmented and, when every word is known, put in English)."""
    text = normalize(text)
    language = detect_language(text)
    core, asked = read_options(text, language)
    # Framing off may leave an option on its own ("same but anime" -> "anime").
    core, asked = option_fragments(strip_framing(core), asked)
    looks = {name: _find_look(core, name) for name in _TABLES}
    if asked.style:
        looks["style"] = _style_key(asked.style) or looks["style"]
    beats = split_beats(core) if core else []
    first = beats[0] if beats else ""
    if language == "zh":
        parts = _parse_chinese(first)
        covered = all(_zh_covered(beat) for beat in beats)
        parts["understood"] = bool(parts.get("understood", True)) and covered
    elif language == "en":
        parts = _parse_english(_translate_inline(_strip_look_phrases(first)))
    else:
        parts = {"subject": _tidy(first) or PLACEHOLDER_SUBJECT, "understood": False}
    return RequestFacts(text=core, language=language, shots=asked.shots, duration=asked.total_seconds,
                        asked=asked, beats=tuple(beats), **looks, **parts)


def _style_key(style: str) -> str | None:
    """The lexicon's key for a style the member named ("anime style" -> "anime"), if it knows it."""
    said = style.strip().lower()
    return next((key for key, (_, aliases) in STYLES.items() if said in aliases or said.removesuffix(" style")
                 in aliases), None)


# --- language --------------------------------------------------------------------------------------------

# Ties go to the first language listed.
_STOPWORDS = {
    "es": {"el", "la", "los", "las", "un", "una", "en", "con", "por", "del", "y", "que", "sobre", "de", "al",
           "para", "se"},
    "fr": {"le", "la", "les", "un", "une", "des", "dans", "avec", "sur", "et", "du", "au", "en", "de", "qui",
           "sous", "pour", "est", "puis"},
    "de": {"der", "die", "das", "ein", "eine", "mit", "und", "im", "auf", "durch", "am"},
}


def detect_language(text: str) -> str:
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\uac00-\ud7af]", text):
        return "ko"
    # Mixed requests ("a dragon over 纽约") go by whichever script carries more of the words.
    han = len(_CJK.findall(text))
    if han and han >= len(re.findall(r"[A-Za-z]+", text)):
        return "zh"
    if re.search(r"[\u0400-\u04ff]", text):
        return "ru"
    words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
    language = max(_STOPWORDS, key=lambda name: len(words & _STOPWORDS[name]))
    return language if len(words & _STOPWORDS[language]) >= 2 else "en"


# --- look words ------------------------------------------------------------------------------------------

def _alias_pattern(alias: str) -> str:
    if _CJK.search(alias):
        return re.escape(alias)
    return r"(?<![a-z0-9])" + re.escape(alias).replace(r"\ ", r"[\s-]+") + r"(?![a-z0-9])"


@cache
def _look_patterns(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Longest aliases first so "film noir" wins over "noir" and "看日落" leaves "日落" to the time table.
    pairs = [(key, alias) for key, (_, aliases) in _TABLES[name].items() for alias in aliases]
    pairs.sort(key=lambda pair: -len(pair[1]))
    return tuple((key, re.compile(_alias_pattern(alias))) for key, alias in pairs)


def _find_look(text: str, name: str) -> str | None:
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for key, pattern in _look_patterns(name):
        match = pattern.search(lowered)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), key)
    return best[1] if best else None


def _aliases(*tables: dict, latin_only: bool = False) -> str:
    aliases = sorted(
        (alias for table in tables for _, names in table.values() for alias in names
         if not (latin_only and _CJK.search(alias))),
        key=len, reverse=True,
    )
    return "|".join(_alias_pattern(alias) for alias in aliases)


# Style words describe the look, not the content: "an anime girl" is a girl. Time and weather words only go
# when they stand in a phrase of their own ("at sunset"), so "a rainy street" keeps its adjective.
_STYLE_WORDS = re.compile(
    r"(?:\b(?:in|as|with)\s+(?:an?\s+|the\s+)?)?(?:\b(?:the\s+)?style\s+of\s+(?:an?\s+)?)?"
    rf"(?:{_aliases(STYLES)})"
    r"(?:[\s-]+(?:style|styled|aesthetic|look|vibes?|version))?\b",
    re.IGNORECASE,
)
_TIME_WEATHER_PHRASES = re.compile(
    r"\b(?:at|during|in|under|on|by|around)\s+(?:the\s+|a\s+)?"
    rf"(?:{_aliases(TIMES, WEATHER, latin_only=True)})",
    re.IGNORECASE,
)


def _strip_look_phrases(text: str) -> str:
    return _TIME_WEATHER_PHRASES.sub(" ", _STYLE_WORDS.sub(" ", text))


def _translate_inline(text: str) -> str:
    """Chinese words inside an English request ("a dragon over 纽约") become English where the lexicon
    knows them; look words were already read, so they simply go."""
    return _CJK_RUN.sub(lambda run: " ".join(entry.english for entry in _segment(run.group(0))), text)


# --- English ---------------------------------------------------------------------------------------------

_VERBS = frozenset("""
walks runs flies dances jumps swims eats plays fights sings rides drives explores sleeps sits stands climbs
falls chases watches looks wanders roams stomps floats surfs skates cooks reads paints crawls rises attacks
destroys battles hunts races sails glides marches emerges crashes lands waves drinks dives hides escapes
roars breathes smiles laughs cries screams shouts whispers talks speaks sneezes yawns stretches blinks stares
nods bows kneels spins twirls turns rolls slides bounces leaps hops sprints jogs strolls steps stumbles
tumbles sneaks peeks enters leaves arrives returns disappears vanishes appears transforms grows shrinks
explodes burns melts glows shines sparkles howls barks meows growls bites kicks punches throws catches
hugs kisses grabs lifts carries pushes pulls shakes points opens closes knocks writes types builds breaks
digs plants fishes paddles rows shoots swings hits dodges charges celebrates claps cheers waits stops
pauses wakes naps rests dreams wins loses hugs plays pounces prowls stalks soars hovers dashes
trots gallops flutters drifts sways flickers bursts lies sleeps rides draws gets finds feeds nourishes plants
""".split())
_NOT_GERUNDS = frozenset("""
building buildings ceiling ceilings morning mornings evening evenings king kings ring rings thing things
something anything everything nothing spring springs string strings wing wings sibling siblings darling
pudding wedding clothing lightning offspring viking vikings duckling dumpling dumplings earring earrings
railing icing sapling seedling awning herring beijing nanjing chongqing wyoming bring sing sling sting
swing cling fling ping thanksgiving stuffing during
""".split())
_PLACE_PREPS = frozenset("""
in on at through across over under inside near along into around above beneath below atop within among
amid amidst beside outside onto toward towards past throughout down up by
""".split())
# Preposition words that also open subject modifiers ("a man in a suit"); only used after a verb.
_AFTER_VERB_ONLY = frozenset({"down", "up", "by", "past", "at"})
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;]|\b(?:while|as|and then|then|when|before|after|until|whilst)\b)\s*",
                           re.IGNORECASE)
_DETERMINERS = frozenset({"a", "an", "the", "some", "my", "his", "her", "their", "our", "this", "that"})


def _is_verb(word: str, previous: str) -> bool:
    bare = word.lower().strip(",.!?;:")
    if bare in _VERBS:
        return True
    gerund = len(bare) >= 5 and bare.endswith("ing") and bare not in _NOT_GERUNDS
    # "a flying car": after a determiner the -ing word is an adjective.
    return gerund and previous.lower() not in _DETERMINERS


def _parse_english(text: str) -> dict[str, str]:
    text = proper_places(_tidy(text))
    words = text.split()
    verb = next((i for i in range(1, len(words)) if _is_verb(words[i], words[i - 1])), None)
    start = verb + 1 if verb is not None else 1
    preps = _PLACE_PREPS if verb is not None else _PLACE_PREPS - _AFTER_VERB_ONLY
    place = next((i for i in range(start, len(words)) if words[i].lower() in preps), None)
    end_subject = verb if verb is not None else place if place is not None else len(words)
    subject = " ".join(words[:end_subject])
    action = " ".join(words[verb:place]) if verb is not None else ""
    prep, setting, detail = "in", "", ""
    if place is not None:
        prep = words[place].lower()
        setting, detail = _split_clause(" ".join(words[place + 1:]))
    elif action:
        action, detail = _split_clause(action)
    return {
        "subject": _with_article(_tidy(subject)) or PLACEHOLDER_SUBJECT,
        "action": _tidy(action),
        "prep": prep,
        "setting": _tidy(setting),
        "detail": _tidy(detail),
    }


def _with_article(noun_phrase: str) -> str:
    """"pirate ship" -> "a pirate ship"; plurals, names and already-determined phrases stay as they are."""
    first = noun_phrase.split(" ", 1)[0]
    bare = (
        noun_phrase
        and first.lower() not in _DETERMINERS | _PRONOUNS | set(NUMBER_WORDS) | {"many", "several", "few", "no", "each"}
        and not first[0].isupper() and not first[0].isdigit()
        and not is_plural(noun_phrase)
    )
    return f"{'an' if first[0] in 'aeiou' else 'a'} {noun_phrase}" if bare else noun_phrase


def _split_clause(text: str) -> tuple[str, str]:
    """"New York while people flee" -> ("New York", "while people flee")."""
    match = _CLAUSE_BREAK.search(text)
    if not match:
        return text, ""
    return text[:match.start()], f"{match.group(0).strip(' ,;')} {text[match.end():]}"


def proper_places(text: str) -> str:
    for name in PROPER_PLACES:
        text = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", name, text, flags=re.IGNORECASE)
    return text


def _tidy(text: str) -> str:
    """Collapse the gaps left by removed phrases and fix a/an before the word that now follows."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"^[\s,.;:!?-]+|[\s,;:-]+$", "", text)
    text = re.sub(r"[.!?]+$", "", text)
    text = re.sub(r"\s+\b(?:and|with|in|at|on|of|please)$", "", text, flags=re.IGNORECASE)
    return re.sub(
        r"\b([Aa])n?\s+(\w)",
        lambda m: f"{m.group(1)}{'n' if m.group(2).lower() in 'aeiou' else ''} {m.group(2)}",
        text,
    )


# --- Chinese ---------------------------------------------------------------------------------------------

@cache
def _zh_vocabulary() -> tuple[dict[str, Entry | None], int]:
    # Look words are recognised (so their characters are not misread) but play no part in the sentence.
    vocabulary: dict[str, Entry | None] = {
        alias: None for table in _TABLES.values() for _, aliases in table.values() for alias in aliases
        if _CJK.search(alias)
    }
    vocabulary.update(ZH)
    return vocabulary, max(len(phrase) for phrase in vocabulary)


def _segment(text: str) -> list[Entry]:
    return _segment_with_gaps(text)[0]


def _segment_with_gaps(text: str) -> tuple[list[Entry], str]:
    """Greedy longest-match segmentation: (the entries, the characters no phrase covered)."""
    vocabulary, longest = _zh_vocabulary()
    entries, gaps, i = [], [], 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 0, -1):
            piece = text[i:i + size]
            if piece in vocabulary:
                if vocabulary[piece] is not None:
                    entries.append(vocabulary[piece])
                i += size
                break
        else:
            gaps.append(text[i])
            i += 1
    return entries, "".join(gaps)


# Grammar words a translation may drop without losing anything the member asked for.
_ZH_FUNCTION = frozenset("在的了着里上中下和与跟把被是有个只位头条辆艘座名正从地得很也都一着过向往到")


def _zh_covered(text: str) -> bool:
    """True when every Chinese word of `text` is in the lexicon, so the English rebuild loses nothing."""
    gaps = _segment_with_gaps(text)[1]
    return not any(_CJK.match(char) and char not in _ZH_FUNCTION for char in gaps)


_IRREGULAR_PLURALS = {"man": "men", "woman": "women", "fish": "fish", "deer": "deer", "mouse": "mice",
                      "person": "people", "child": "children"}


def is_plural(noun_phrase: str) -> bool:
    """ "two knights", "a cat and a dog", "a group of pandas", "lanterns" (a heuristic, English only)."""
    first = noun_phrase.split(" ", 1)[0].lower()
    return (
        first in {"two", "three", "four", "five", "six", "many", "several", "some"}
        or " and " in noun_phrase or " group of " in f" {noun_phrase} "
        or (noun_phrase.endswith("s") and not noun_phrase.endswith("ss"))
    )


def _plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR_PLURALS:
        plural = _IRREGULAR_PLURALS[last]
    elif last.endswith("y") and last[-2:-1] not in tuple("aeiou"):
        plural = last[:-1] + "ies"
    elif last.endswith(("s", "sh", "ch", "x")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}".strip()


def _noun_phrase(quantity: str | None, adjectives: list[str], noun: str) -> str:
    plural = quantity in ("two", "a group of", "many")
    words = " ".join([*adjectives, _plural(noun) if plural else noun])
    if quantity and quantity != "a":
        return f"{quantity} {words}"
    if is_plural(noun):
        return words
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _with_adjectives(place: str, adjectives: list[str]) -> str:
    if not adjectives:
        return place
    article, _, rest = place.partition(" ")
    if article in ("a", "an", "the"):
        article = "the" if article == "the" else ("an" if adjectives[0][0] in "aeiou" else "a")
        return f"{article} {' '.join(adjectives)} {rest}"
    return f"{' '.join(adjectives)} {place}"


# Path prepositions fit only actions that travel; anything else happens in/on the place.
_STATIC_PREPS = {"through": "in", "across": "in", "along": "on"}
_MOTION = frozenset("walking strolling wandering running flying swimming driving sailing riding exploring "
                    "chasing crossing surfing skiing floating circling passing".split())


def _parse_chinese(text: str) -> dict[str, str | bool]:
    subjects: list[str] = []
    objects: list[str] = []
    actions: list[str] = []
    places: list[tuple[str, str]] = []
    cities: list[str] = []
    quantity: str | None = None
    adjectives: list[str] = []
    for entry in _segment(text):
        if entry.kind == "quantity":
            quantity = entry.english
        elif entry.kind == "adj":
            adjectives.append(entry.english)
        elif entry.kind == "subject":
            (objects if actions else subjects).append(_noun_phrase(quantity, adjectives, entry.english))
            quantity, adjectives = None, []
        elif entry.kind == "place":
            places.append((entry.prep, _with_adjectives(entry.english, adjectives)))
            adjectives = []
        elif entry.kind == "city":
            cities.append(entry.english)
        elif entry.kind == "action" and entry.english not in actions:
            actions.append(entry.english)
    if not subjects:
        # "在海边跳舞的女孩": the noun after a relative clause is still the subject.
        subjects, objects = objects, []
    action = " and ".join(actions)
    if objects:
        action = f"{action} {' and '.join(objects)}".strip()
    prep, setting = "in", ""
    if places:
        # Chinese puts the head noun last: 城市街道 is "the streets of a city", 纽约街道 "... of New York".
        prep, setting = places[-1]
        if prep in _STATIC_PREPS and not any(word in _MOTION for word in action.split()):
            prep = _STATIC_PREPS[prep]  # "eating in a bamboo forest", not "eating through" it
        modifier = cities[0] if cities else places[0][1] if len(places) > 1 else ""
        if modifier:
            setting = f"{setting} {'of' if setting.startswith('the streets') else 'in'} {modifier}"
    elif cities:
        prep, setting = ("through" if action else "in"), cities[0]
    if subjects:
        subject = " and ".join(subjects)
    elif action or setting:
        subject = PLACEHOLDER_SUBJECT
    else:
        return {"subject": _tidy(text), "understood": False}
    return {"subject": subject, "action": action, "prep": prep, "setting": setting}
