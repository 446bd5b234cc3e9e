"""The parts of one beat in the member's own words: who or what (subject), doing what (action), to what
(objects), where (place), for any language with a data file.

Spaced scripts (Latin, Cyrillic) are read with their language's cues: a verb is a listed verb form, a word
with a verb ending, or the word a relative pronoun opens ("qui nourrit"); German nouns are capitalised, so
the first lower-case word after the subject's noun is its verb; the place starts at a place preposition after
the verb; objects are the noun phrases an article opens inside the action. Japanese and Korean mark parts
with particles (が/を/で, 가/를/에서), and a verb ending right before a noun makes that noun the subject
("サーフィンする犬"). Chinese that the dictionary cannot put in English is read as "<subject>在<place><locative>
<action>". Nothing is translated and nothing is added: every part is a piece of the beat.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from prompts.langdata import Language, language

_PUNCT = ",.;:!?，。；、"


@dataclass(frozen=True)
class Parts:
    """`subject` ("un gato"), `action` ("tocando el piano", with its objects, without the place), `objects`
    (("el piano",)), `place` as written with its preposition or particle ("en un bar de jazz"), `setting`
    the place without it ("un bar de jazz"); "" where the beat has none."""

    subject: str = ""
    action: str = ""
    objects: tuple[str, ...] = ()
    place: str = ""
    setting: str = ""

    @property
    def found(self) -> bool:
        """True when the beat was split into more than one part."""
        return bool(self.subject and (self.action or self.setting))


def read_parts(beat: str, code: str) -> Parts:
    """The parts of `beat`, written in language `code`; Parts(subject=beat) when no cue splits it."""
    data = language(code)
    beat = beat.strip(" " + _PUNCT)
    if data.script == "kana":
        return _particles_ja(beat, data)
    if data.script == "hangul":
        return _particles_ko(beat, data)
    if data.script == "han":
        return _chinese(beat, data)
    return _spaced(beat, data)


# --- spaced scripts ----------------------------------------------------------------------------------------

def _phrase_at(words: list[str], index: int, phrases: tuple[str, ...]) -> int:
    """How many words the longest of `phrases` covers at `index` (0: none starts there)."""
    best = 0
    for phrase in phrases:
        size = len(phrase.split())
        if size > best and [w.lower().strip(_PUNCT) for w in words[index:index + size]] == phrase.split():
            best = size
    return best


def _is_verb(words: list[str], index: int, data: Language) -> bool:
    word = words[index].lower().strip(_PUNCT)
    if _phrase_at(words, index, data.words("parts.verbs")) or word in data.words("parts.relatives"):
        return True
    # A word an article opens is a noun, whatever its ending ("un enfant", "un géant").
    if index and words[index - 1].lower().strip(_PUNCT) in data.words("parts.articles"):
        return False
    return any(word.endswith(suffix) and len(word) >= len(suffix) + 3 for suffix in data.words("parts.verb_suffixes"))


def _verb_index(words: list[str], data: Language) -> int | None:
    articles = set(data.words("parts.articles"))
    if data.text("parts.capitalized_nouns"):
        # German: the subject's noun is capitalised; the verb is the first lower-case word after it.
        noun = next((i for i, word in enumerate(words) if word[:1].isupper() and (i or word.lower() not in articles)),
                    None)
        if noun is not None:
            for i in range(noun + 1, len(words)):
                bare = words[i].lower().strip(_PUNCT)
                if words[i][:1].islower() and bare not in articles and not _phrase_at(words, i, data.words("parts.place_preps")):
                    return i
                if words[i][:1].islower():
                    break
    return next((i for i in range(1, len(words)) if _is_verb(words, i, data)), None)


def _spaced(beat: str, data: Language) -> Parts:
    words = beat.split()
    if len(words) < 2:
        return Parts(subject=beat)
    verb = _verb_index(words, data)
    preps = data.words("parts.place_preps")
    start = verb + 1 if verb is not None else 1
    place = next((i for i in range(start, len(words)) if _phrase_at(words, i, preps)
                  and i + _phrase_at(words, i, preps) < len(words)), None)
    end = verb if verb is not None else place if place is not None else len(words)
    subject = " ".join(words[:end])
    action = " ".join(words[verb:place]) if verb is not None else ""
    place_text = " ".join(words[place:]) if place is not None else ""
    setting = " ".join(words[place + _phrase_at(words, place, preps):]) if place is not None else ""
    return Parts(subject=_clean(subject), action=_clean(action), objects=_objects(action, data),
                 place=_clean(place_text), setting=_clean(setting))


def _objects(action: str, data: Language) -> tuple[str, ...]:
    """Noun phrases an article opens inside the action ("tocando el piano" -> "el piano"); in a language
    without articles, the words after the verb."""
    words = action.split()[1:]
    if not words:
        return ()
    if data.text("parts.capitalized_nouns"):
        # German: the object's noun is capitalised ("spielt Klavier", "fängt einen Ball").
        nouns = [word for word in words if word[:1].isupper()]
        return tuple(_clean(noun) for noun in nouns)
    articles = set(data.words("parts.articles"))
    stops = set(data.words("parts.place_preps")) | set(data.words("parts.relatives")) | set(data.words("parts.conjunctions"))
    if not articles - {"мой", "моя", "его", "её", "их", "два", "две", "три", "этот", "эта"} and data.script == "cyrillic":
        phrase = [word for word in words if word.lower() not in stops]
        return (" ".join(phrase),) if phrase else ()
    found, current = [], []
    for word in words:
        bare = word.lower().strip(_PUNCT)
        if bare in articles or (bare.endswith("'") and bare in articles):
            if current:
                found.append(" ".join(current))
            current = [word]
        elif bare in stops:
            if current:
                found.append(" ".join(current))
            current = []
        elif current:
            current.append(word)
    if current:
        found.append(" ".join(current))
    return tuple(_clean(phrase) for phrase in found if len(phrase.split()) > 1)


def _clean(text: str) -> str:
    return text.strip(" " + _PUNCT)


# --- particles: Japanese and Korean ------------------------------------------------------------------------

def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)) or "(?!)"


def _particles_ja(beat: str, data: Language) -> Parts:
    subject_p = _alternatives(data.words("parts.subject_particles"))
    object_p = _alternatives(data.words("parts.object_particles"))
    place_p = _alternatives(data.words("parts.place_particles"))
    endings = _alternatives(data.words("parts.verb_endings"))
    subject = place = setting = ""
    objects: tuple[str, ...] = ()
    rest = beat
    found = re.match(rf"^(?P<s>[^、。]+?)(?:{subject_p})(?P<r>.+)$", rest)
    if found and len(found.group("s")) <= 12:
        subject, rest = found.group("s"), found.group("r")
    else:
        # "夕焼けの海でサーフィンする犬": the noun after a verb ending is what the clause describes.
        found = re.match(rf"^(?P<r>.+?(?:{endings}))(?P<s>[\u4e00-\u9fff\u30a0-\u30ffー]+)$", rest)
        if found:
            subject, rest = found.group("s"), found.group("r")
    located = re.search(rf"(?P<p>[^、。がはを]+?)(?P<m>{place_p})", rest)
    if located and located.end() < len(rest):
        setting, place = located.group("p"), located.group(0)
        rest = rest[:located.start()] + rest[located.end():]
    target = re.search(rf"(?P<o>[^、。がはをでに]+?)(?:{object_p})", rest)
    if target:
        objects = (target.group("o"),)
    return Parts(subject=subject or beat, action=rest if subject else "", objects=objects, place=place,
                 setting=setting)


def _particles_ko(beat: str, data: Language) -> Parts:
    animate = set(data.words("parts.animate"))
    words = beat.split()
    subject_words: list[str] = []
    place_words: list[str] = []
    setting = place = ""
    objects: list[str] = []
    pending: list[str] = []
    action: list[str] = []

    def strip(word: str, particles: tuple[str, ...]) -> str | None:
        for particle in sorted(particles, key=len, reverse=True):
            bare = word[:-len(particle)]
            if word.endswith(particle) and bare and (bare in animate or word not in animate):
                return bare
        return None

    endings = data.words("parts.verb_endings")
    for index, word in enumerate(words):
        last = index == len(words) - 1
        if not last and any(word.endswith(ending) and len(ending) > 1 for ending in endings):
            # "서핑하는 강아지": the words after a describing verb are its subject.
            action += [*pending, word]
            pending = []
            subject_words = subject_words or words[index + 1:]
            break
        if not subject_words and not last and (bare := strip(word, data.words("parts.subject_particles"))):
            subject_words = [*pending, bare]
            pending = []
        elif not place and not last and (bare := strip(word, data.words("parts.place_particles"))):
            place_words = [*pending, bare]
            setting, place = " ".join(place_words), " ".join([*pending, word])
            pending = []
        elif not last and (bare := strip(word, data.words("parts.object_particles"))):
            objects.append(" ".join([*pending, bare]))
            action += [*pending, word]
            pending = []
        else:
            pending.append(word)
    action += [word for word in pending if word not in subject_words]
    subject = " ".join(subject_words)
    return Parts(subject=subject or beat, action=" ".join(action) if subject else "", objects=tuple(objects),
                 place=place, setting=setting)


# --- Chinese the dictionary does not cover -------------------------------------------------------------------

def _chinese(beat: str, data: Language) -> Parts:
    markers = _alternatives(data.words("parts.place_markers"))
    locatives = _alternatives(data.words("parts.locatives"))
    measures = _alternatives(data.words("parts.measures"))
    found = re.match(rf"^(?P<s>.{{1,10}}?)(?:{markers})(?P<p>.{{1,10}}?(?:{locatives}))(?P<a>.+)$", beat)
    if not found:
        found = re.match(rf"^(?P<s>.{{1,10}}?)(?:{markers})(?P<a>.+)$", beat)
    if not found:
        return Parts(subject=beat)
    subject = re.sub(rf"^(?:{measures})", "", found.group("s")) or found.group("s")
    setting = found.groupdict().get("p") or ""
    place = beat[found.start("s") + len(found.group("s")):found.start("a")] if setting else ""
    return Parts(subject=subject, action=found.group("a"), place=place, setting=setting)
