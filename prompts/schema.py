"""The shot-list schema: what an LLM (or the rule-based expander) must produce for one request."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, PlainValidator, field_validator

from common.text import Text

MAX_SHOTS = 6
MIN_SHOT_SECONDS = 1.0
MAX_SHOT_SECONDS = 8.0
# Room for a clip's cast (studio.cast: up to 3 characters, each "name: description" verbatim) beside the
# planner's own words about recurring subjects.
BIBLE_CHARACTERS_MAX_CHARS = 1000

# A note for the member: stored in the shot list as Text's dict (a plain string from older rows loads as literal).
Note = Annotated[Text, PlainValidator(Text.coerce), PlainSerializer(Text.to_dict, return_type=dict[str, Any])]

Backend = Literal["transformers", "openai", "rules"]
Aspect = Literal["16:9", "9:16", "1:1"]


class StyleBible(BaseModel):
    """What must stay the same across shots so a multi-shot clip reads as one film."""

    style: str = Field(..., min_length=1, max_length=300, description="look: medium, palette, era, lens")
    characters: str = Field("", max_length=BIBLE_CHARACTERS_MAX_CHARS, description="recurring subjects and how they look")
    setting: str = Field("", max_length=300)


class Shot(BaseModel):
    subject: str = Field(..., min_length=1, max_length=200)
    action: str = Field(..., min_length=1, max_length=200)
    camera: str = Field(..., min_length=1, max_length=120, description="shot size + movement")
    lighting: str = Field(..., min_length=1, max_length=120)
    style: str = Field(..., min_length=1, max_length=200)
    duration: float = Field(..., ge=MIN_SHOT_SECONDS, le=MAX_SHOT_SECONDS, description="seconds")
    prompt: str = Field(..., min_length=1, max_length=1200, description="full English model prompt")
    negative_prompt: str = Field("", max_length=600)

    @field_validator("subject", "action", "camera", "lighting", "style", "prompt", "negative_prompt")
    @classmethod
    def _strip(cls, value: str) -> str:
        return " ".join(value.split())


class ShotList(BaseModel):
    title: str = Field(..., min_length=1, max_length=100)
    logline: str = Field(..., min_length=1, max_length=300)
    bible: StyleBible
    shots: list[Shot] = Field(..., min_length=1, max_length=MAX_SHOTS)
    language: str = Field("en", description="language of the original request (ISO 639-1)")
    backend: Backend = "rules"
    aspect: Aspect | None = Field(None, description="frame shape asked for; None: the model's native shape")
    fps: int | None = Field(None, description="frame rate asked for (renders use the model's own rate)")
    notes: list[Note] = Field(default_factory=list, description="what could not be done as asked, for the reply")

    @property
    def duration(self) -> float:
        return sum(shot.duration for shot in self.shots)
