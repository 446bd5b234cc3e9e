"""User-facing text from the core as data: an English template and its named values, translated by a front-end.

The core (prompts/, studio/, renderqueue/) never knows languages. Where it produces a sentence a member reads
(a planner note, a remix note, a lineage caption) it returns a `Text`: the English `str.format` template,
marked with `N_` (or `Nn_` for a plural pair) so Babel extracts it, plus its params. Front-ends render it in
the member's language with `bot.i18n.say`; `english()` gives the source text (logs, tests, fallbacks).

Texts that are stored (a clip's remix note) are kept as JSON (`dumps` / `loads`); a stored value that is
not such JSON (rows written before texts were data) loads as literal text, shown as it was written.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from common.errors import N_, ReelbotError

__all__ = ["N_", "Nn_", "Text", "jsonable"]


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802  # gettext's marker naming
    """Marks an English singular/plural pair for extraction (as `ngettext`); returns it unchanged."""
    return singular, plural


@dataclass(frozen=True)
class Text:
    """`Text(N_("removed shot {shot}"), {"shot": 2})`, or a plural: `Text.count(Nn_("{n} shot", "{n} shots"), 3)`.

    `template`: the English (singular) template; `plural`: the English plural template when the text counts
    something, the count then being `params["n"]`; `literal`: shown as is, never translated (old stored
    notes, text a member typed). Params are JSON-able scalars; a param that is itself a `Text` is rendered
    first (in the same language)."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    literal: bool = False

    @classmethod
    def count(cls, forms: tuple[str, str], n: int, **params: Any) -> "Text":
        return cls(forms[0], {"n": n, **params}, plural=forms[1])

    @classmethod
    def of(cls, template: str, **params: Any) -> "Text":
        return cls(template, params)

    @classmethod
    def of_error(cls, error: ReelbotError) -> "Text":
        """A refusal's message as a Text (its template and params), for storing; params that JSON can't
        hold are kept as their English text."""
        def storable(value: Any) -> Any:
            if isinstance(value, (Text, str, int, float, bool)) or value is None:
                return value
            if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float, bool)) for v in value):
                return list(value)
            return str(value)

        return cls(error.template, {name: storable(value) for name, value in error.params.items()})

    @classmethod
    def raw(cls, text: str) -> "Text":
        return cls(text, literal=True)

    def render(self, gettext: Any = None, ngettext: Any = None) -> str:
        """This text through `gettext(message)` / `ngettext(singular, plural, n)` (English when None)."""
        if self.literal:
            return self.template
        if self.plural is not None:
            n = int(self.params.get("n", 0))
            template = ngettext(self.template, self.plural, n) if ngettext else (self.template if n == 1 else self.plural)
        else:
            template = gettext(self.template) if gettext else self.template
        params = {k: v.render(gettext, ngettext) if isinstance(v, Text) else v for k, v in self.params.items()}
        return template.format(**params) if params else template

    def __hash__(self) -> int:  # params is a dict: hash the stored form, so equal texts dedupe
        return hash(self.dumps())

    def english(self) -> str:
        return self.render()

    def __str__(self) -> str:
        return self.english()

    def to_dict(self) -> dict[str, Any]:
        if self.literal:
            return {"text": self.template}
        data: dict[str, Any] = {"template": self.template,
                                "params": jsonable(self.params)}
        if self.plural is not None:
            data["plural"] = self.plural
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Text":
        if "text" in data:
            return cls.raw(str(data["text"]))
        params = {k: cls.from_dict(v) if isinstance(v, Mapping) else v for k, v in dict(data.get("params") or {}).items()}
        return cls(str(data["template"]), params, plural=data.get("plural"))

    @classmethod
    def coerce(cls, value: "Text | Mapping[str, Any] | str") -> "Text":
        """A Text from itself, its dict, or a plain string (taken as literal text)."""
        if isinstance(value, Text):
            return value
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        return cls.raw(str(value))

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, stored: str | None) -> "Text | None":
        """A stored text back; None stays None, and text that is not a stored Text is literal."""
        if stored is None:
            return None
        try:
            data = json.loads(stored)
        except ValueError:
            return cls.raw(stored)
        if isinstance(data, dict) and ("template" in data or "text" in data):
            return cls.from_dict(data)
        return cls.raw(stored)


def jsonable(value: Any, say: Callable[[Text], str] | None = None) -> Any:
    """`value` (dicts, lists and tuples of JSON scalars, at any depth) with every `Text` in it made JSON: its
    stored form (`Text.to_dict`, which `Text.coerce` reads back) or, given `say` (e.g. `bot.i18n.say`), the
    sentence in a reader's language. The one place Texts meet JSON: outputs for people pass `say`, stored
    values do not. Raises TypeError for anything else JSON cannot hold (as `json.dumps` would)."""
    if isinstance(value, Text):
        return say(value) if say is not None else value.to_dict()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item, say) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item, say) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON")
