"""What a recipe conditions its generation on, as the preset's diffusers pipeline takes it.

- A starting picture (a member's picture, an approved still, the previous segment's last frame): `image=`
  for Wan I2V/TI2V and LTX; for WanVACEPipeline a `video=` list whose first frame is the picture and whose
  other frames are grey, beside a `mask=` list that keeps the first frame (black) and generates the rest
  (white) (diffusers' WanVACEPipeline docs, "first frame" example). VACE's `reference_images=` (subjects
  to keep, not frames) goes in beside: a character's pictures (`ShotRender.references`).
- A draft to refine: `video=` (the draft's frames, resized to the recipe's size: a draft rendered smaller
  is upscaled first) and `strength=`; the pipeline takes its frame count from the video.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from PIL import Image, ImageOps, UnidentifiedImageError

from generation.encoding import read_video
from generation.errors import EncodeError, RecipeError
from generation.frames import Frames
from generation.preset import ModelPreset
from generation.recipe import ShotRender

# The grey WanVACEPipeline's docs fill frames to generate with (the VACE authors' value for "unknown").
VACE_GREY = (128, 128, 128)
# Frames per latent frame of the Wan VAE (after the first): a Wan video has 4k+1 frames.
WAN_TEMPORAL = 4


def conditioning_inputs(recipe: ShotRender, preset: ModelPreset, source: Frames | None = None) -> dict[str, Any]:
    """Keyword arguments for the pipeline call beyond prompt, size, steps, guidance and seed: frame count,
    starting picture or draft video. `source`: the draft's frames for a refine (default: decoded from
    `recipe.init_video`). Raises RecipeError when a picture or video can't be read."""
    if recipe.init_video is not None:
        return {"video": draft_frames(recipe, source), "strength": recipe.strength}
    references = load_references(recipe.references)
    inputs: dict[str, Any] = {"num_frames": frames_for(recipe.num_frames, references)}
    if recipe.init_image is None:
        return {**inputs, "reference_images": references} if references else inputs
    picture = load_picture(recipe.init_image, recipe.width, recipe.height)
    if preset.first_frame == "vace":
        inputs.update(vace_inputs(picture, inputs["num_frames"], references))
    else:
        inputs["image"] = picture
    return inputs


def frames_for(num_frames: int, references: Sequence[Image.Image]) -> int:
    """The frames to ask of a pipeline taking `references`: `num_frames`, or more for a still with several
    pictures. Diffusers' WanVACEPipeline pads its mask with one frame per reference picture cut from the mask's
    own latent frames (`prepare_masks`: `mask_[:, :num_ref_images]`), so a render needs at least as many
    latent frames as pictures; a one-frame still of a character with two pictures is asked for 5 frames (two
    latent frames) and keeps its first (render._checked_shape): the nearest cheap path."""
    if len(references) <= 1:
        return num_frames
    return max(num_frames, WAN_TEMPORAL * (len(references) - 1) + 1)


def vace_inputs(
    first: Image.Image, num_frames: int, references: Sequence[Image.Image] = ()
) -> dict[str, Any]:
    """WanVACEPipeline's inputs for a video that opens on `first`: `video` (the picture, then grey frames)
    and `mask` (black keeps a frame, white generates it), both `num_frames` long; `reference_images` when
    there are references (pictures of subjects to keep; the pipeline letterboxes them to the video's size)."""
    size = first.size
    grey, keep, generate = Image.new("RGB", size, VACE_GREY), Image.new("L", size, 0), Image.new("L", size, 255)
    inputs: dict[str, Any] = {"video": [first, *[grey] * (num_frames - 1)],
                              "mask": [keep, *[generate] * (num_frames - 1)]}  # fmt: skip
    if references:
        inputs["reference_images"] = list(references)
    return inputs


def load_picture(path: str, width: int, height: int) -> Image.Image:
    """The picture at `path` cropped to the target aspect (not squashed: a stretched first frame makes a
    stretched video) and resized to width x height. Raises RecipeError when it can't be read."""
    try:
        with Image.open(path) as image:
            return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
    except (OSError, UnidentifiedImageError) as exc:
        raise RecipeError("The starting image for this shot couldn't be read.", detail=repr(exc)) from exc


def load_references(paths: Sequence[str]) -> list[Image.Image]:
    """Reference pictures (of characters) as RGB pictures, whole: WanVACEPipeline scales each to fit the frame
    on a white canvas itself (its preprocess_conditions). Raises RecipeError when one can't be read."""
    pictures = []
    for path in paths:
        try:
            with Image.open(path) as image:
                pictures.append(image.convert("RGB"))
        except (OSError, UnidentifiedImageError) as exc:
            raise RecipeError("A reference picture for this shot couldn't be read.", detail=repr(exc)) from exc
    return pictures


def draft_frames(recipe: ShotRender, source: Frames | None = None) -> list[Image.Image]:
    """The frames a refine starts from, at the recipe's size: `source`, or the whole of `recipe.init_video`,
    resized with Lanczos where the draft was another size (upscaled before the pipeline's VAE sees it).
    Raises RecipeError when the draft can't be read."""
    source = source if source is not None else read_draft(str(recipe.init_video))
    size = (recipe.width, recipe.height)
    pictures = [source.picture(index) for index in range(len(source))]
    return [p if p.size == size else p.resize(size, Image.Resampling.LANCZOS) for p in pictures]


def read_draft(path: str) -> Frames:
    """Every frame of the draft video at `path`, decoded. Raises RecipeError when it can't be read."""
    try:
        return read_video(Path(path))
    except EncodeError as exc:
        raise RecipeError("The draft video to refine couldn't be read.", detail=repr(exc)) from exc
