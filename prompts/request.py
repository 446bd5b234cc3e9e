"""Reading a casual request: who/what, doing what, where, and the look words around it.

The language comes from prompts.detect; its options, framing, negations and beats from its data file.
English requests are split at their verb and first place preposition; Chinese requests are segmented
greedily against the phrase dictionary and rebuilt in English when every word is known. Requests in the
other languages keep their own words, read into parts by prompts.parts (multilingual video text encoders
still get the meaning).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from prompts.beats import split_beats, strip_framing
from prompts.clauses import base_form, finite_verbs
from prompts.detect import HAN, detect_language
from prompts.grammar import AskedOptions, normalize, option_fragments, read_options
from prompts.langdata import in_play, language as language_data
from prompts.chinese import (PLACEHOLDER_SUBJECT, STATIC_PREPS, is_plural, parse_chinese, segment, to_simplified,
                             zh_covered)
from prompts.lexicon import ANIMATE, MOODS, PROPER_PLACES, STYLES, TIMES, WEATHER, Look
from prompts.negation import read_negations
from prompts.numbers import words as number_words
from prompts.parts import Parts

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
    # What the member asked to keep out ("no people" -> "people"), for the negative prompt.
    negative: tuple[str, ...] = ()

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")

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
        return is_animate(self.subject, "en" if self.chinese and self.understood else self.language)

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
_CJK = HAN
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def parse_request(text: str) -> RequestFacts:
    """Read a request: its options (`prompts.grammar`), the chat framing off, what it asks to keep out, its
    beats, and who/what/where of the first beat (English parsed; Chinese segmented and, when every word is
    known, put in English)."""
    text = normalize(text)
    language = detect_language(text)
    core, asked = read_options(text, language)
    # Framing off may leave an option on its own ("same but anime" -> "anime").
    core, asked = option_fragments(strip_framing(core, language), asked, language)
    core, negative = read_negations(core, language)
    looks = {name: find_look(core, name, language) for name in _TABLES}
    if asked.style:
        looks["style"] = style_key(asked.style) or looks["style"]
    beats = split_beats(core, language) if core else []
    first = beats[0] if beats else ""
    if language.startswith("zh"):
        parts = parse_chinese(to_simplified(first, language))
        covered = all(zh_covered(to_simplified(beat, language)) for beat in beats)
        parts["understood"] = bool(parts.get("understood", True)) and covered
    elif language == "en":
        parts = _parse_english(_translate_inline(_strip_look_phrases(first)))
    else:
        parts = {"subject": _tidy(first) or PLACEHOLDER_SUBJECT, "understood": False}
    return RequestFacts(text=core, language=language, shots=asked.shots, duration=asked.total_seconds,
                        asked=asked, beats=tuple(beats), negative=negative, **looks, **parts)


def is_animate(noun_phrase: str, language: str) -> bool:
    """True when the noun phrase names something with a face (its language's `parts.animate` words)."""
    animate = set(language_data(language).words("parts.animate")) or ANIMATE
    words = re.findall(r"[^\W\d_]+", noun_phrase.lower())
    if language_data(language).spaced:
        # The head noun decides: "a pirate ship" has no face, "a pirate" has one.
        heads = words[-1:] if language == "en" else words
        return any(word in animate or word.rstrip("s") in animate or word[:-2] in animate for word in heads)
    return any(noun in noun_phrase for noun in animate)


def style_key(style: str) -> str | None:
    """The lexicon's key for a style the member named ("anime style" -> "anime"), if it knows it."""
    said = style.strip().lower()
    return next((key for key, (_, aliases) in STYLES.items() if said in aliases or said.removesuffix(" style")
                 in aliases), None)


# --- look words ------------------------------------------------------------------------------------------

def _alias_pattern(alias: str) -> str:
    if _CJK.search(alias):
        return re.escape(alias)
    return r"(?<![a-z0-9])" + re.escape(alias).replace(r"\ ", r"[\s-]+") + r"(?![a-z0-9])"


@cache
def _look_patterns(name: str, language: str, with_chinese: bool = False) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The look words of table `name` in `language` and English (and Chinese, for Chinese words inside
    another script: "a dragon in 水墨 style"), longest first (so "film noir" wins over "noir" and "看日落"
    leaves "日落" to the time table)."""
    codes = [data.code for data in in_play(language)] + ["zh-CN"] * with_chinese
    pairs = [(key, alias.lower()) for code in dict.fromkeys(codes)
             for key, aliases in language_data(code).table(f"looks.{name}").items() for alias in aliases]
    pairs.sort(key=lambda pair: -len(pair[1]))
    return tuple((key, re.compile(_alias_pattern(alias))) for key, alias in pairs)


def find_look(text: str, name: str, language: str = "en") -> str | None:
    """The key of the first look word of table `name` ("time", "weather", "mood", "style") in `text`."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    mixed = not language.startswith(("zh", "ja")) and bool(HAN.search(text))
    for key, pattern in _look_patterns(name, language, mixed):
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
    rf"(?:{_aliases(TIMES, WEATHER, latin_only=True)})"
    # Only a phrase the look word ends ("at sunset", "in the rain"): "in a sunny backyard" is a place.
    r"(?=\s*$|\s*[,.;!?]|\s+(?:and|while|with|then|as|when|on|in|at|near|over|under|by|of|after|before)\b)",
    re.IGNORECASE,
)


def _strip_look_phrases(text: str) -> str:
    return _TIME_WEATHER_PHRASES.sub(" ", _STYLE_WORDS.sub(" ", text))


def _translate_inline(text: str) -> str:
    """Chinese words inside an English request ("a dragon over 纽约") become English where the lexicon
    knows them; look words were already read, so they simply go."""
    return _CJK_RUN.sub(lambda run: " ".join(entry.english for entry in segment(run.group(0))), text)


# --- English ---------------------------------------------------------------------------------------------

_EN = language_data("en")
_VERBS = frozenset(_EN.words("parts.verbs"))
_NOT_GERUNDS = frozenset(_EN.words("parts.not_gerunds"))
_PLACE_PREPS = frozenset(_EN.words("parts.place_preps"))
# Preposition words that also open subject modifiers ("a man in a suit"); only used after a verb.
_AFTER_VERB_ONLY = frozenset(_EN.words("parts.after_verb_only"))
_RELATIVES = frozenset(_EN.words("parts.relatives"))
_HUMAN = frozenset(_EN.words("parts.human"))
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;]|\b(?:while|as|and then|then|when|before|after|until|whilst)\b)\s*",
                           re.IGNORECASE)
_DETERMINERS = frozenset({"a", "an", "the", "some", "my", "his", "her", "their", "our", "this", "that"})
_AUXILIARIES = frozenset(_EN.words("parts.auxiliaries"))
# Verbs with a particle that is no place ("picks up a shell"), object pronouns that are none ("looks at it"),
# and the preposition that names who does a passive's action ("struck by lightning").
_PHRASAL = frozenset(_EN.words("parts.phrasal"))
_OBJECT_PRONOUNS = frozenset(_EN.words("parts.object_pronouns"))
_AGENT = frozenset(_EN.words("parts.agent"))
_JOINERS = frozenset(_EN.words("beats.joiners"))
_IRREGULAR_PLURAL_NOUNS = frozenset(_EN.words("parts.irregular_plurals"))


def _plural_noun(word: str) -> bool:
    """"astronauts", "children": a plural noun, which a base-form verb may follow ("two astronauts float")."""
    bare = word.lower().strip(",.!?;:")
    return bare in _IRREGULAR_PLURAL_NOUNS or (
        len(bare) > 3 and bare.endswith("s") and not bare.endswith(("ss", "us", "is", "'s"))
        and bare not in _DETERMINERS | _PLACE_PREPS and bare not in _VERBS)


def _is_verb(word: str, previous: str, compound: bool = False) -> bool:
    """`compound`: the words before join two nouns ("a cat and a dog"), a plural subject."""
    bare = word.lower().strip(",.!?;:")
    if bare in _VERBS or (bare in _AUXILIARIES and previous.lower() not in _DETERMINERS):
        return True
    if bare in finite_verbs("en") and (_plural_noun(previous) or compound) and previous.lower() not in _DETERMINERS:
        return True  # "two astronauts float", "the kids play", "a cat and a dog play"
    gerund = len(bare) >= 5 and bare.endswith("ing") and bare not in _NOT_GERUNDS
    # "a flying car": after a determiner the -ing word is an adjective.
    return gerund and previous.lower() not in _DETERMINERS


def _parse_english(text: str) -> dict[str, str]:
    text = proper_places(_tidy(text))
    words = text.split()
    verb = next((i for i in range(1, len(words)) if _is_verb(words[i], words[i - 1], "and" in words[:i - 1])), None)
    if verb is not None and verb >= 3 and words[0].lower() in _DETERMINERS and words[verb - 2].lower() != "of" \
            and words[verb].lower().endswith("s") and words[verb - 1].lower().endswith("s") and not words[verb - 1].lower().endswith(("ss", "'s")):
        verb -= 1  # "a robot waters plants": of two -s words in a row, the first is the verb
    if verb is None:
        # "a robot waters plants": an -s word right after "a/the + noun (+ noun)" is the verb.
        verb = next((i for i in (2, 3) if len(words) > i + 1 and words[0].lower() in _DETERMINERS
                     and words[i].lower().endswith("s") and not words[i].lower().endswith(("ss", "'s"))
                     and words[i].lower() not in _PLACE_PREPS | {"is", "has", "was", "its", "his", "this", "as"}
                     and words[i + 1].lower() not in ("of", "and")), None)
    # "a robot who gets lost": the subject ends at its relative clause, which belongs to the action.
    relative = next((i for i in range(1, len(words)) if words[i].lower() in _RELATIVES), None)
    if relative is not None and (verb is None or relative < verb):
        verb = relative
    start = verb + 1 if verb is not None else 1
    if verb is not None and len(words) > start and \
            f"{base_form(words[verb].lower())} {words[start].lower()}" in _PHRASAL:
        start += 1  # "picks up a shell": the particle belongs to the verb
    preps = _PLACE_PREPS if verb is not None else _PLACE_PREPS - _AFTER_VERB_ONLY
    if verb is not None and words[verb].lower() in _AUXILIARIES:
        preps = preps - _AGENT  # "struck by lightning in a field": the place is the field
    # A preposition that ends the beat is the verb's ("floating up"), not a place; so is one before a pronoun.
    place = next((i for i in range(start, len(words) - 1) if words[i].lower() in preps
                  and words[i + 1].lower().strip(",.") not in _OBJECT_PRONOUNS), None)
    end_subject = verb if verb is not None else place if place is not None else len(words)
    subject = " ".join(words[:end_subject])
    action = " ".join(words[verb:place]) if verb is not None else ""
    prep, setting, detail = "in", "", ""
    if place is not None:
        prep = words[place].lower()
        setting, detail = _split_clause(" ".join(words[place + 1:]))
        setting, more = _next_action(setting)
        detail = _tidy(f"{more} {detail}")
    elif action:
        action, detail = _split_clause(action)
    return {
        "subject": _with_article(_tidy(subject)) or PLACEHOLDER_SUBJECT,
        "action": _tidy(action),
        "prep": prep,
        "setting": _tidy(setting),
        "detail": _tidy(detail),
    }


def english_beat(beat: str) -> tuple[Parts, str, str]:
    """(the parts of an English beat, the place preposition a still shot takes ("on" for "across"), the
    time or weather words as typed ("at dusk"))."""
    when = _TIME_WEATHER_PHRASES.search(beat)
    parsed = _parse_english(_translate_inline(_strip_look_phrases(beat)))
    subject = "" if parsed["subject"] == PLACEHOLDER_SUBJECT else parsed["subject"]
    action = parsed["action"]
    words = action.split()[1:]
    objects, current = [], []
    for word in words:
        bare = word.lower().strip(",.")
        if bare in _DETERMINERS or bare in number_words(("en",)):
            if current:
                objects.append(" ".join(current))
            current = [word]
        elif bare in _PLACE_PREPS or bare in _RELATIVES or bare in _JOINERS or \
                bare in ("and", "while", "as", "to", "for", "with") or bare in finite_verbs("en"):
            if current:
                objects.append(" ".join(current))
            current = []
        elif current:
            current.append(word)
    if current:
        objects.append(" ".join(current))
    prep = STATIC_PREPS.get(parsed["prep"], parsed["prep"])
    setting = parsed["setting"]
    parts = Parts(subject=subject, action=action, objects=tuple(o for o in objects if len(o.split()) > 1),
                  place=f"{prep} {setting}" if setting else "", setting=setting)
    return parts, prep, when.group(0) if when else ""


def is_human(noun_phrase: str) -> bool:
    """True for an English subject with hands ("a barista", "two kids")."""
    words = re.findall(r"[a-z]+", noun_phrase.lower())[-1:]  # the head noun: "a pirate ship" has no hands
    return any(word in _HUMAN or word.rstrip("s") in _HUMAN for word in words)


def _with_article(noun_phrase: str) -> str:
    """"pirate ship" -> "a pirate ship"; plurals, names and already-determined phrases stay as they are."""
    first = noun_phrase.split(" ", 1)[0]
    bare = (
        noun_phrase
        and first.lower() not in _DETERMINERS | _PRONOUNS | set(number_words(("en",))) | {"many", "several", "few", "no", "each"}
        and not first[0].isupper() and not first[0].isdigit()
        and not is_plural(noun_phrase)
    )
    return f"{'an' if first[0] in 'aeiou' else 'a'} {noun_phrase}" if bare else noun_phrase


def _next_action(setting: str) -> tuple[str, str]:
    """"a huge library and finds a book" -> ("a huge library", "and finds a book"): a place ends where the
    next thing its subject does begins (a joiner and a verb)."""
    words = setting.split()
    cut = next((i for i in range(1, len(words) - 1) if words[i].lower() in _JOINERS
                and words[i + 1].lower().strip(",.") in finite_verbs("en")), None)
    return (setting, "") if cut is None else (" ".join(words[:cut]), " ".join(words[cut:]))


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
    text = re.sub(r"\s+\b(?:and|with|please)$", "", text, flags=re.IGNORECASE)
    return re.sub(
        r"\b([Aa])n?\s+(\w)",
        lambda m: f"{m.group(1)}{'n' if m.group(2).lower() in 'aeiou' else ''} {m.group(2)}",
        text,
    )
