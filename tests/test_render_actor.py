"""RenderActor as a plain object (what a Ray actor runs): its event stream, throttled progress, image-to-video
shots fed from bytes, shots continuing from the previous one rendered exactly as the local worker renders
them, and stopping when the stream is closed (what `ray.cancel` does at a yield)."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from storage_fixtures import tiny_recipe

from generation.assemble import render_clip
from generation.encoding import frame_png, probe, read_frame
from generation.errors import PipelineError, RenderCancelled
from generation.frames import Frames
from generation.recipe import ShotRender
from generation.render import render_shot
from renderqueue.ray_actor import RenderActor
from renderqueue.remote import Loaded, Progress, RenderRequest, Shot, ShotTask


class ScriptedRenderer:
    """A shot renderer that reports `steps` steps `step_s` apart and remembers each recipe it got."""

    def __init__(self, step_s: float = 0.0) -> None:
        self.step_s = step_s
        self.recipes: list[ShotRender] = []
        self.stopped = threading.Event()

    def __call__(self, recipe, pipelines, *, on_step, should_cancel):
        self.recipes.append(recipe)
        for step in range(1, recipe.steps + 1):
            time.sleep(self.step_s)
            on_step(step, recipe.steps)
            if should_cancel():
                self.stopped.set()
                raise RenderCancelled("The render was cancelled.")
        return Frames(np.zeros((recipe.num_frames, recipe.height, recipe.width, 3), dtype=np.float32))


@pytest.fixture(scope="module")
def actor(tiny_models_dir) -> RenderActor:
    return RenderActor(str(tiny_models_dir), device="cpu", progress_interval=0.05)


def request(*recipes: dict, images: dict[int, bytes] | None = None) -> RenderRequest:
    images = images or {}
    return RenderRequest(7, tuple(ShotTask(i, r, images.get(i)) for i, r in enumerate(recipes)), len(recipes))


def test_a_stream_loads_once_reports_progress_and_sends_playable_shots(actor, tmp_path):
    actor._render_shot = ScriptedRenderer()
    recipes = [{**tiny_recipe(0), "steps": 50}, tiny_recipe(1)]

    events = list(actor.render(request(*recipes)))
    again = list(actor.render(request(tiny_recipe(2))))

    [loaded] = [event for event in events if isinstance(event, Loaded)]
    assert loaded.model == "tiny" and loaded.seconds > 0
    assert [event for event in again if isinstance(event, Loaded)] == [Loaded("tiny", None)], "kept warm"
    shots = [event for event in events if isinstance(event, Shot)]
    assert [(shot.index, shot.recipe_hash) for shot in shots] == [
        (index, ShotRender.from_dict(recipe).content_hash()) for index, recipe in enumerate(recipes)
    ]
    (tmp_path / "shot.mp4").write_bytes(shots[0].mp4)
    assert probe(tmp_path / "shot.mp4").frame_count == 5
    steps = [event.step for event in events if isinstance(event, Progress) and event.index == 0]
    assert steps[0] == 0 and steps[-1] == 50 and len(steps) < 10, "50 fast steps are sent as a few events"
    assert actor.pipelines.loads == 1


def test_an_image_to_video_shot_gets_its_first_frame_from_the_request(actor, tmp_path):
    renderer = actor._render_shot = ScriptedRenderer()
    image = tmp_path / "first.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(image)
    recipe = {**tiny_recipe(0), "init_image": str(image)}
    expected_hash = ShotRender.from_dict(recipe).content_hash()  # by the image's content, not its path
    moved = image.read_bytes()
    image.unlink()  # on a GPU host the bot host's path does not exist

    events = list(actor.render(request(recipe, images={0: moved})))

    [shot] = [event for event in events if isinstance(event, Shot)]
    assert shot.recipe_hash == expected_hash
    assert Path(renderer.recipes[0].init_image).name == "init-0.png"
    assert not Path(renderer.recipes[0].init_image).exists(), "scratch files are removed after the request"


def test_closing_the_stream_stops_the_render_at_its_next_step(actor):
    renderer = actor._render_shot = ScriptedRenderer(step_s=0.05)
    stream = actor.render(request({**tiny_recipe(0), "steps": 1000}))

    assert isinstance(next(stream), Progress)
    started = time.monotonic()
    stream.close()  # ray.cancel raises GeneratorExit at the stream's next yield

    assert renderer.stopped.is_set() and time.monotonic() - started < 2.0
    assert list(actor.render(request(tiny_recipe(1))))[-1].index == 0, "the actor serves the next request"


def continuing_clip(tmp_path: Path) -> list[ShotRender]:
    """Picture to video on tiny-wan: shot 1 from a picture, shot 2 continuing from shot 1's last frame in two
    continued segments, linked as the studio links them."""
    picture = tmp_path / "picture.png"
    Image.new("RGB", (64, 64), (30, 120, 200)).save(picture)
    first = ShotRender.from_dict({**tiny_recipe(0), "model": "tiny-wan", "init_image": str(picture)})
    second = ShotRender.from_dict({**tiny_recipe(1), "model": "tiny-wan"})
    second = dataclasses.replace(second, segments=2, continued=True, continues_from=first.content_hash())
    return [first, second]


def frames_of(mp4: bytes, tmp_path: Path, name: str) -> np.ndarray:
    path = tmp_path / name
    path.write_bytes(mp4)
    return np.stack([read_frame(path, index) for index in range(probe(path).frame_count)])


def test_continuing_shots_render_as_the_local_worker_renders_them(actor, pipelines, tmp_path):
    actor._render_shot = render_shot
    recipes = continuing_clip(tmp_path)
    local = render_clip(recipes, ["from the picture", "and on"], pipelines=pipelines, out_dir=tmp_path / "local",
                        lookup=lambda _hash: None, record=lambda *_: None)  # fmt: skip
    picture = Path(recipes[0].init_image).read_bytes()
    tasks = [r.to_dict() for r in recipes]

    together = list(actor.render(RenderRequest(1, (ShotTask(0, tasks[0], picture),
                                                   ShotTask(1, tasks[1], previous=recipes[0].content_hash())), 2)))
    # Shot 1 came from the render cache: the bot host sends its last frame, as the dispatcher does.
    start = frame_png(local.shot_paths[0], -1)
    alone = list(actor.render(RenderRequest(2, (ShotTask(1, tasks[1], None, recipes[0].content_hash(), start),), 2)))

    shots = [event for event in together + alone if isinstance(event, Shot)]
    assert [(shot.index, shot.recipe_hash) for shot in shots] == [
        (0, recipes[0].content_hash()), (1, recipes[1].content_hash()), (1, recipes[1].content_hash())
    ]
    expected = [np.stack([read_frame(path, i) for i in range(probe(path).frame_count)]) for path in local.shot_paths]
    assert len(expected[1]) == recipes[1].frames == 9, "two continued segments of 5 frames"
    for number, (shot, reference) in enumerate(zip(shots, [expected[0], expected[1], expected[1]]), 1):
        assert np.array_equal(frames_of(shot.mp4, tmp_path, f"{number}.mp4"), reference), f"shot event {number}"


def test_a_continuing_shot_without_its_previous_shot_fails_for_a_retry(actor, tmp_path):
    actor._render_shot = ScriptedRenderer()
    second = continuing_clip(tmp_path)[1]
    with pytest.raises(PipelineError):
        list(actor.render(RenderRequest(3, (ShotTask(1, second.to_dict(), previous=second.continues_from),), 2)))
