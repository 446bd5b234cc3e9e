"""Notes: what a member should know about how a request was taken (a cropped picture, a take picked),
as translatable text.

A `Note` is shaped like a refusal (`common.errors.ReelbotError`): an English `str.format` template, a whole
sentence marked with `N_` so Babel extracts it, and its named values. Front-ends translate the template and
fill it in (`bot.i18n._(note.template, **note.params)`); `text` is the English, for logs and storage.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Note:
    """`Note(N_("Your picture was center-cropped to {width}x{height}."), {"width": 64, "height": 64})`."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The note in English."""
        return self.template.format(**self.params) if self.params else self.template
