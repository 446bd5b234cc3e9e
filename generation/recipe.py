"""A ShotRender is everything that determines one rendered shot; its hash keys the render cache."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
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
    # A shot longer than one generation is `segments` generations of `num_frames` each, joined (each one
    # continuing from the previous one's last frame when `continued`), then cut to `keep_frames` frames.
    segments: int = 1
    keep_frames: int | None = None
    continued: bool = False
    # The content hash of the previous shot of the clip when this shot starts from that shot's last frame
    # (image-to-video presets): the frame exists only once that shot is rendered, so the recipe names the
    # shot, and its hash, like init_image's, makes this shot's.
    continues_from: str | None = None
    # "draft" or "final" (registry.QUALITIES): a draft is rendered fast and can be finalized.
    quality: str = "final"
    # The fast path the shot is rendered through (a name in generation.fast_paths.FAST_PATHS: a distilled
    # preset, a distilled LoRA, or a cache hook), or None for the preset's own full schedule. Named in the
    # recipe because it changes the pixels, so the render cache keys on it.
    fast_path: str | None = None
    # Reference pictures of the characters the shot features (a preset with `references` renders the shot
    # conditioned on them: Wan VACE's `reference_images`). Paths of pictures stored by content, so each
    # file's name is its SHA-256 and the recipe hashes by it (`picture_digest`): the render cache keys on
    # the pictures, and a recipe still hashes after its pictures were deleted.
    references: tuple[str, ...] = ()
    # A still: the shot's first frame alone (num_frames 1), rendered in seconds so a member approves it before
    # the shot is animated (see generation.still_recipes).
    still: bool = False
    # Video-to-video: the draft video this render refines (hashed by content, like init_image), and how far
    # it may move from it (0-1]: diffusers starts int(steps x strength) steps before the end of the schedule.
    init_video: str | None = None
    strength: float | None = None
    # init_image is this shot's own approved still, set on Animate (generation.still_recipes.animated_recipe),
    # not a picture the member brought: it belongs to this exact recipe, so a shot changed in any way (text,
    # seed, style...) drops it and renders a new still (`still_recipes.replanned`). Not hashed: the pixels
    # depend on the picture alone.
    from_still: bool = False

    def __post_init__(self) -> None:
        # Stored recipes come back from JSON with lists: equal recipes must compare (and hash) equal.
        object.__setattr__(self, "references", tuple(self.references))

    @property
    def i2v(self) -> bool:
        """Rendered by the preset's image-to-video pipeline: from a picture or the previous shot."""
        return self.init_image is not None or self.continues_from is not None

    def content_hash(self) -> str:
        fields = dataclasses.asdict(self)
        del fields["from_still"]  # where the picture came from, not what is rendered
        # Recipes hash as they did before these fields existed, so their cached renders stay valid.
        for name, default in _LATER_DEFAULTS.items():
            if fields[name] == default:
                del fields[name]
        for name in _BY_CONTENT:
            if fields.get(name) is not None:
                fields[name] = hashlib.sha256(Path(fields[name]).read_bytes()).hexdigest()
        if self.references:
            fields["references"] = [picture_digest(path) for path in self.references]
        fields["_v"] = RECIPE_VERSION
        blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ShotRender":
        return cls(**data)

    @property
    def refine_steps(self) -> int:
        """Denoising steps a video-to-video render runs: int(steps x strength), as diffusers counts them
        (`get_timesteps` of its video-to-video pipelines); all of them otherwise."""
        return int(self.steps * self.strength) if self.init_video is not None and self.strength else self.steps

    @property
    def joined_frames(self) -> int:
        """Frames once the segments are joined: a continued segment's first frame repeats the frame it
        starts from, so it is dropped."""
        overlap = 1 if self.continued else 0
        return self.num_frames + (self.segments - 1) * (self.num_frames - overlap)

    @property
    def frames(self) -> int:
        """Frames in the rendered shot file."""
        return min(self.keep_frames or self.joined_frames, self.joined_frames)

    @property
    def generated_frames(self) -> int:
        """Frames the model generates for this shot, over all segments (what the GPU time scales with)."""
        return self.segments * self.num_frames

    @property
    def duration(self) -> float:
        """Seconds of the rendered shot."""
        return self.frames / self.fps


# Fields added after the first recipes were hashed, with their defaults: left out of the hash when at the
# default, so every earlier recipe keeps its hash (and its cached render).
_LATER_DEFAULTS = {"segments": 1, "keep_frames": None, "continued": False, "continues_from": None,
                   "quality": "final", "fast_path": None, "references": (), "still": False, "init_video": None,
                   "strength": None}
# File fields hashed by their content, not their path.
_BY_CONTENT = ("init_image", "init_video")
_SHA256_NAME = re.compile(r"[0-9a-f]{64}")


def picture_digest(path: str) -> str:
    """The SHA-256 (hex) of a picture: its file name where it was stored by content
    (`common.files.store_by_content`, `<sha256>.png`), else read from the file. Raises OSError for a file
    that is neither."""
    stem = Path(path).stem
    if _SHA256_NAME.fullmatch(stem):
        return stem
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def linked(recipes: list[ShotRender]) -> list[ShotRender]:
    """The recipes with every continuing shot pointed at the shot now before it (after a remix reordered,
    changed or removed shots); the first shot has nothing to continue from."""
    out: list[ShotRender] = []
    for recipe in recipes:
        if recipe.continues_from is not None:
            recipe = dataclasses.replace(recipe, continues_from=out[-1].content_hash() if out else None)
        out.append(recipe)
    return out
