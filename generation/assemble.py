"""Turn a list of shot recipes into one clip: render (or reuse) each shot, stitch, make the storyboard.

The work is split so the GPU never waits on the CPU: `render_shots` does the GPU part and hands each
shot's frames to a `ShotEncoder`, whose background thread encodes shot k while shot k+1 denoises; the
`RenderedClip` it returns is finished (`finish`: wait for the encodes, stitch, storyboard) on whatever
thread the caller likes, beside the next clip's render.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from generation.drawing import save_png
from generation.conditioning import read_draft
from generation.encoding import frame_png, probe, read_frame, stitch
from generation.errors import RenderCancelled
from generation.frames import Frames
from generation.pipelines import PipelineCache
from generation.fast_paths import pipeline_preset
from generation.recipe import ShotRender
from generation.registry import validate_recipe
from generation.render import CancelCheck, StepCallback, render_shot
from generation.shot_encoder import ShotEncoder
from generation.storyboard import BoardWords, make_storyboard, panel_image

log = logging.getLogger(__name__)

ProgressCallback = Callable[[float, str], None]
# record(recipe_hash, shot_path, gpu_seconds): called once per freshly rendered shot, on the encoder thread.
RecordCallback = Callable[[str, Path, float], None]
# Share of the progress bar spent rendering shots; stitching and the storyboard share the rest.
_RENDER_SHARE = 0.9
# Bump when kept storyboard panels made by older code would be wrong: version 1 kept the blank-white
# panels of trimmed and segmented shots (their bytes were scaled by 255 again), so none of them is read.
PANEL_VERSION = 2


def panel_file(recipe_hash: str) -> str:
    """The file name a shot's storyboard panel is kept under, in the render cache's folder."""
    return f"{recipe_hash}.panel-v{PANEL_VERSION}.png"


@dataclass(frozen=True)
class ClipOutput:
    video_path: Path
    storyboard_path: Path
    shot_paths: list[Path]
    rendered: int
    reused: int
    gpu_seconds: float


@dataclass
class PendingShot:
    """One shot of a clip whose render is done: its file (or the encode that will write it)."""

    path: Future[Path]
    # The middle frame, uint8 (H, W, 3), when the shot was rendered here (no need to decode it back for
    # the storyboard).
    keyframe: np.ndarray | None
    rendered: bool
    gpu_seconds: float
    recipe_hash: str = ""


@dataclass
class RenderedClip:
    """A clip whose GPU work is done; `finish` does the CPU rest."""

    shots: list[PendingShot]
    captions: list[str]
    out_dir: Path
    title: str | None
    subtitle: str | None = None
    # What the storyboard calls each panel: a shot ("Shot 1"), or a take ("Take 1") for a clip of takes;
    # `words` says it in the readers' language.
    panel: str = "shot"
    # The member's starting picture, which leads the storyboard.
    picture: str | None = None
    # Where storyboard panels are kept by recipe hash (the render cache's folder), so a shot reused from
    # the cache is not decoded again for its panel; None keeps none.
    panels: Path | None = None
    words: BoardWords = BoardWords()

    def finish(self, on_progress: ProgressCallback | None = None) -> ClipOutput:
        """Wait for the shot encodes, stitch out_dir/clip.mp4 and draw out_dir/storyboard.png.

        Raises EncodeError when a shot could not be encoded or read, or the stitch failed.
        """
        report = _reporter(on_progress)
        report(_RENDER_SHARE, "Stitching shots")
        shot_paths = [shot.path.result() for shot in self.shots]
        video_path = stitch(shot_paths, self.out_dir / "clip.mp4")
        report(0.95, "Drawing the storyboard")
        keyframes: list = [self._panel(shot, path) for shot, path in zip(self.shots, shot_paths, strict=True)]
        headings = [self.words.say(self.panel, shot=n + 1, take=n + 1) for n in range(len(self.shots))]
        captions = list(self.captions)
        if self.picture is not None:  # the member's picture leads the board: what shot 1 grew from
            with Image.open(self.picture) as picture:
                keyframes.insert(0, picture.convert("RGB"))
            headings.insert(0, self.words.say("picture"))
            captions.insert(0, self.words.say("starting_picture"))
        storyboard_path = make_storyboard(
            keyframes, captions, self.out_dir / "storyboard.png", title=self.title, subtitle=self.subtitle,
            headings=headings,
        )  # fmt: skip
        report(1.0, "Done")
        return ClipOutput(
            video_path,
            storyboard_path,
            shot_paths,
            rendered=sum(shot.rendered for shot in self.shots),
            reused=sum(not shot.rendered for shot in self.shots),
            gpu_seconds=sum(shot.gpu_seconds for shot in self.shots),
        )


    def _panel(self, shot: PendingShot, path: Path) -> Image.Image:
        """The shot's storyboard panel: kept from an earlier clip when the shot was reused, else made from
        its keyframe (in memory, or decoded from the middle of its file) and kept for later clips."""
        kept = self.panels / panel_file(shot.recipe_hash) if self.panels is not None and shot.recipe_hash else None
        if kept is not None and shot.keyframe is None:
            try:
                with Image.open(kept) as image:
                    return image.convert("RGB")
            except (OSError, ValueError):  # not kept yet, or a damaged file: make it again
                pass
        frame = shot.keyframe if shot.keyframe is not None else read_frame(path, probe(path).frame_count // 2)
        panel = panel_image(frame)
        if kept is not None:
            try:
                save_png(panel, kept, compress_level=1)
            except OSError as error:  # a cache: the board is drawn all the same
                log.warning("could not keep the storyboard panel %s: %s", kept, error)
        return panel


def render_shots(
    recipes: list[ShotRender],
    captions: list[str],
    *,
    pipelines: PipelineCache,
    encoder: ShotEncoder,
    out_dir: Path,
    lookup: Callable[[str], Path | None],
    record: RecordCallback,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    panel: str = "shot",
    panels: Path | None = None,
    between_shots: Callable[[], None] | None = None,
    lead_picture: bool = True,
    words: BoardWords = BoardWords(),
) -> RenderedClip:
    """Render every shot not already in the render cache, handing each to `encoder`; returns at once
    after the last shot's denoise, with its encode (and maybe earlier ones) still running.
    `between_shots()` runs before each shot after the first (a worker rendering other members' stills).
    `lead_picture`: a first shot starting from a picture has it lead the storyboard (a member's picture;
    not a clip animated from its approved stills, whose first shot starts from its still). `panel`: what
    the storyboard calls each panel ("shot", or "take" for a clip of takes), in the readers' `words`.

    `lookup(recipe_hash)` returns a cached shot video (used without rendering when the file exists);
    `record(recipe_hash, path, gpu_seconds)` is called on the encoder thread after each fresh shot's
    file is written, so later clips can reuse it. `panels`: the folder where storyboard panels are kept by
    recipe hash (see `RenderedClip.panels`). Raises ValueError (caption count), RecipeError (before
    anything renders), RenderCancelled and the render errors of `render_shot`.
    """
    if not recipes or len(recipes) != len(captions):
        raise ValueError("need one caption per recipe, and at least one recipe")
    for recipe in recipes:  # fail before spending GPU time on shot 1 if shot 4 is impossible
        validate_recipe(recipe)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = _reporter(on_progress)

    total = len(recipes)
    shots: list[PendingShot] = []
    # Shots whose NaN check runs on the encoder thread while the next shot denoises: (index, recipe,
    # answer). Each is confirmed after the next shot's render (by then long answered), before a shot that
    # continues from it, and after the last shot; a failed one is rendered again at a wider dtype.
    unconfirmed: list[tuple[int, ShotRender, Future[bool]]] = []

    def confirm() -> None:
        while unconfirmed:
            index, recipe, verified = unconfirmed.pop(0)
            if verified.result():
                continue
            log.warning("%s gave non-finite frames for shot %d; rendering again at a wider dtype", recipe.model,
                        index + 1)  # fmt: skip
            shots[index] = _render_one(recipe, index, shots, pipelines=pipelines, encoder=encoder, out_dir=out_dir,
                                       record=record, on_step=None, should_cancel=should_cancel, widen=True)  # fmt: skip

    for index, recipe in enumerate(recipes):
        if should_cancel is not None and should_cancel():
            raise RenderCancelled("The render was cancelled.")
        if index and between_shots is not None:
            between_shots()
        if recipe.continues_from is not None:
            confirm()  # it starts from the previous shot's last frame, which must be good
        base = _RENDER_SHARE * index / total
        label = f"shot {index + 1}/{total}"
        recipe_hash = recipe.content_hash()
        reused = _reuse(recipe_hash, lookup, encoder)
        if reused is not None:
            log.info("%s: reusing %s", label, recipe_hash)
            shots.append(PendingShot(reused, None, rendered=False, gpu_seconds=0.0, recipe_hash=recipe_hash))
            report(_RENDER_SHARE * (index + 1) / total, f"Reused {label}")
            continue

        def on_step(done: int, steps: int, base: float = base, label: str = label) -> None:
            report(base + _RENDER_SHARE * done / steps / total, f"Rendering {label} (step {done}/{steps})")

        report(base, f"Rendering {label}")
        verified: Future[bool] = Future()
        shots.append(_render_one(recipe, index, shots, pipelines=pipelines, encoder=encoder, out_dir=out_dir,
                                 record=record, on_step=on_step, should_cancel=should_cancel, verified=verified))  # fmt: skip
        confirm()  # the shots before this one, checked while it rendered
        unconfirmed.append((index, recipe, verified))
    confirm()
    picture = recipes[0].init_image if lead_picture else None
    return RenderedClip(shots, list(captions), out_dir, title, subtitle, panel, picture, panels, words)


def load_pipelines(recipe: ShotRender, pipelines: PipelineCache) -> None:
    """Load every pipeline the shot's render uses (text- or image-to-video, and image-to-video for
    continued segments; a distilled draft's checkpoint), so a caller can keep model loading out of the
    shot's GPU seconds."""
    preset = pipeline_preset(recipe)
    pipelines.get(preset, i2v=recipe.i2v)
    if recipe.continued:
        pipelines.get(preset, i2v=True)


def _single_pass(recipe: ShotRender) -> bool:
    """Whether `render_segments` renders the shot in one pipeline call, returning its float frames unchecked
    for NaN (segmented shots are converted, and so checked, on the render thread)."""
    return recipe.segments == 1 and recipe.keep_frames is None


def _render_one(
    recipe: ShotRender,
    index: int,
    shots: list[PendingShot],
    *,
    pipelines: PipelineCache,
    encoder: ShotEncoder,
    out_dir: Path,
    record: RecordCallback,
    on_step: StepCallback | None,
    should_cancel: CancelCheck | None,
    verified: Future[bool] | None = None,
    widen: bool = False,
) -> PendingShot:
    """Render shot `index` (after `shots`, the clip's shots before it) and hand it to the encoder; with
    `verified`, its NaN check is left to the encoder thread (see `ShotEncoder.submit`). Raises ValueError
    for a first shot that continues from a previous one."""
    recipe_hash = recipe.content_hash()
    load_pipelines(recipe, pipelines)  # keeps model loading out of gpu_seconds
    if recipe.continues_from is not None:
        if index == 0:
            raise ValueError("the first shot can't continue from a previous one")
        recipe = continued_from(recipe, shots[index - 1].path.result(), out_dir, index)
    started = time.monotonic()
    frames = render_segments(recipe, pipelines, out_dir, on_step=on_step, should_cancel=should_cancel,
                             check_finite=verified is None, widen=widen)  # fmt: skip
    seconds = time.monotonic() - started
    path = out_dir / f"shot-{index + 1:02d}-{recipe_hash[:12]}.mp4"
    encoded = encoder.submit(
        recipe_hash, frames, recipe.fps, path,
        on_encoded=lambda done, recipe_hash=recipe_hash, seconds=seconds: record(recipe_hash, done, seconds),
        verified=verified if _single_pass(recipe) else None,
    )  # fmt: skip
    if verified is not None and not _single_pass(recipe):
        verified.set_result(True)  # checked on this thread while converting its segments
    # One frame in bytes for the storyboard, rather than keeping the whole shot alive.
    return PendingShot(encoded, frames.middle(), rendered=True, gpu_seconds=seconds, recipe_hash=recipe_hash)


def render_segments(
    recipe: ShotRender,
    pipelines: PipelineCache,
    work_dir: Path,
    *,
    on_step: StepCallback | None = None,
    should_cancel: CancelCheck | None = None,
    render: Callable[..., Frames] | None = None,
    check_finite: bool = True,
    widen: bool = False,
) -> Frames:
    """Frames (recipe.frames, height, width, 3) of one shot: its segments rendered one after another
    (see generation.segments), each continued from the previous one's last frame when `recipe.continued`
    (saved as a PNG in `work_dir`), joined and cut to the shot's length. `on_step(done, total)` counts
    the steps of every segment. A one-pass shot comes back in the pipeline's "unit" form (the encoder
    thread converts it) and, with `check_finite=False`, not checked for NaN (see `render_shot`); joined or
    trimmed segments in "bytes", each converted (and so checked) as it is rendered. `widen`: render at a
    wider dtype (a retry). A refine (`recipe.init_video`) gives each segment its share of the draft's
    frames (`draft_share`) instead of a start frame. `render` renders one generation, with `render_shot`'s
    signature (default: `render_shot`; a stand-in in tests). A shot continuing from the previous shot must
    come through `continued_from` first; raises ValueError otherwise, RecipeError for an unreadable draft."""
    if recipe.continues_from is not None:
        raise ValueError("a continuing shot needs its start frame first (continued_from)")
    render = render or render_shot
    # The NaN options only when they differ from render_shot's defaults, so a stand-in need not know them.
    checks: dict = {"check_finite": False} if not check_finite else {}
    if widen:
        checks["widen"] = True
    draft = _draft(recipe)
    if _single_pass(recipe):
        if draft is not None:
            checks["source"] = draft_share(recipe, draft, 0)
        return render(recipe, pipelines, on_step=on_step, should_cancel=should_cancel, **checks)
    pieces: list[Frames] = []
    init_image = recipe.init_image
    for index in range(recipe.segments):
        part = dataclasses.replace(recipe, segments=1, keep_frames=None, continued=False, init_image=init_image,
                                   seed=recipe.seed + index)
        extra: dict = {"widen": True} if widen else {}
        if draft is not None:
            extra["source"] = draft_share(recipe, draft, index)

        def step(done: int, steps: int, index: int = index) -> None:
            if on_step is not None:
                on_step(index * steps + done, recipe.segments * steps)

        # In bytes at once: a quarter of the memory while the other segments render.
        frames = render(part, pipelines, on_step=step, should_cancel=should_cancel, **extra).as_bytes()
        # A continued segment opens on the frame it was given: that frame is already in the shot.
        pieces.append(frames[1:] if index and recipe.continued else frames)
        if recipe.continued and draft is None and index + 1 < recipe.segments:
            init_image = str(frames.save_picture(-1, work_dir / f"segment-{recipe.content_hash()[:12]}-{index + 1}.png"))
    return Frames.join(pieces)[: recipe.frames]


def _draft(recipe: ShotRender) -> Frames | None:
    """The decoded draft a refine starts from; None for any other recipe."""
    return None if recipe.init_video is None else read_draft(recipe.init_video)


def draft_share(recipe: ShotRender, draft: Frames, segment: int) -> Frames:
    """The frames of `draft` that segment `segment` of refine `recipe` refines: num_frames of them, from
    where the segment sits in the joined shot (segments overlap by one frame when `recipe.continued`); a
    draft cut shorter than its last generation (a trimmed shot) is padded with its last frame."""
    overlap = 1 if recipe.continued else 0
    start = segment * (recipe.num_frames - overlap)
    share = draft[start : start + recipe.num_frames]
    last = draft[len(draft) - 1 :]
    return Frames.join([share, *[last] * (recipe.num_frames - len(share))])


def render_clip(
    recipes: list[ShotRender],
    captions: list[str],
    *,
    pipelines: PipelineCache,
    out_dir: Path,
    lookup: Callable[[str], Path | None],
    record: RecordCallback,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    panel: str = "shot",
    words: BoardWords = BoardWords(),
) -> ClipOutput:
    """`render_shots` then `finish`, with an encoder of its own: one clip, start to end, in one call."""
    with ShotEncoder() as encoder:
        rendered = render_shots(
            recipes, captions, pipelines=pipelines, encoder=encoder, out_dir=out_dir, lookup=lookup, record=record,
            on_progress=on_progress, should_cancel=should_cancel, title=title, subtitle=subtitle, panel=panel,
            words=words,
        )  # fmt: skip
        return rendered.finish(on_progress)


def _reuse(recipe_hash: str, lookup: Callable[[str], Path | None], encoder: ShotEncoder) -> Future[Path] | None:
    """The shot's file from the render cache, or from an encode still running; None if it must render."""
    running = encoder.in_progress(recipe_hash)
    if running is not None:
        return running
    cached = lookup(recipe_hash)
    if cached is None or not Path(cached).is_file():
        return None
    found: Future[Path] = Future()
    found.set_result(Path(cached))
    return found


def _reporter(on_progress: ProgressCallback | None) -> ProgressCallback:
    def report(fraction: float, stage: str) -> None:
        if on_progress is not None:
            on_progress(min(1.0, fraction), stage)

    return report


def continued_from(recipe: ShotRender, previous_shot: Path, work_dir: Path, index: int) -> ShotRender:
    """The recipe to render for shot `index` (0-based), which continues from the shot before it: it starts
    from the last frame of that shot's file `previous_shot`, saved as a PNG in `work_dir`. The shot stays
    cached under its own recipe's hash. Raises EncodeError when the previous shot can't be decoded."""
    frame = work_dir / f"last-frame-{index:02d}.png"
    frame.write_bytes(frame_png(previous_shot, -1))
    return dataclasses.replace(recipe, init_image=str(frame), continues_from=None)
