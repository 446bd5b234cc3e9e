"""A ShotRender is everything that determines one rendered shot; its hash keys the render cache."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# Bump when a change in rendering code makes old cached renders differ from what a recipe would give now.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class ShotRender:
    model: str
    prompt: str
    negative_prompt: str
    seed: int
    width: int
    height: int
    num_frames: int
    fps: int
    steps: int
    guidance: float
    # Conditioning frame for image-to-video ("extend"); hashed by content, not by path.
    init_image: str | None = None

    def content_hash(self) -> str:
        fields = dataclasses.asdict(self)
        if self.init_image is not None:
            fields["init_image"] = hashlib.sha256(Path(self.init_image).read_bytes()).hexdigest()
        fields["_v"] = RECIPE_VERSION
        blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ShotRender":
        return cls(**data)

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps
