import dataclasses

import pytest
from refusals import refused

from generation.errors import RecipeError
from generation.registry import MAX_STEPS, PRESETS, clip_models, get_preset, validate_recipe


def test_presets_cover_the_supported_models():
    assert set(PRESETS) == {"tiny-wan", "tiny-wan2.2", "tiny-wan-vace", "tiny-ltx", "tiny-cogvideox", "wan-1.3b",
                            "wan2.2-ti2v-5b", "wan-vace-1.3b", "ltx-video", "cogvideox-2b", "fastwan2.2-ti2v-5b",
                            "tiny-fastwan2.2"}
    assert get_preset("tiny") is get_preset("tiny-wan")  # the old name stays an alias
    assert get_preset("wan-1.3b").repo_id == "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    assert get_preset("ltx-video").supports_i2v and get_preset("ltx-video").size_multiple == 32
    assert get_preset("cogvideox-2b").dtype == "float16"
    for preset in map(get_preset, clip_models()):
        assert preset.width % preset.size_multiple == 0 and preset.height % preset.size_multiple == 0
        assert (preset.num_frames - 1) % preset.frame_step == 0 and preset.num_frames <= preset.max_frames
        assert preset.supports_i2v == (preset.i2v_pipeline_class is not None)
        validate_recipe(preset.recipe("a cat on a beach", "", seed=1))
        validate_recipe(preset.recipe("a cat", "", seed=1, steps=preset.min_steps))
    # A distilled checkpoint renders drafts of its base (generation.fast_paths), never a clip of its own.
    assert "fastwan2.2-ti2v-5b" not in clip_models()
    with refused("distilled_model", RecipeError):
        get_preset("fastwan2.2-ti2v-5b").recipe("a cat", "", seed=1)
    with refused("bad_steps", RecipeError):
        get_preset("ltx-video").recipe("a cat", "", seed=1, steps=1)


def test_every_real_preset_has_a_tiny_twin_of_its_family_and_honest_memory_figures():
    real = [preset for preset in PRESETS.values() if not preset.local]
    tiny = [preset for preset in PRESETS.values() if preset.local]
    for preset in real:
        # The same family and the same VAE compression (Wan 2.1 and 2.2 differ): the twin's size rules.
        twin = next(t for t in tiny if (t.family, t.size_multiple, t.pipeline_class)
                    == (preset.family, preset.size_multiple, preset.pipeline_class))  # fmt: skip
        assert twin.pipeline_class == preset.pipeline_class
        # (tiny-wan also continues images, Wan2.2-TI2V style; wan-1.3b has no i2v checkpoint)
        assert not preset.supports_i2v or twin.i2v_pipeline_class == preset.i2v_pipeline_class
        assert (twin.size_multiple, twin.frame_step, twin.fixed_size) == (
            preset.size_multiple, preset.frame_step, preset.fixed_size)  # fmt: skip
        # A still goes in, and a draft is refined, the same way on the twin as on the real preset.
        assert (twin.first_frame, twin.v2v_pipeline_class) == (preset.first_frame, preset.v2v_pipeline_class)
        # Model offload keeps the whole text encoder (UMT5-XXL/T5-XXL: 9.5-11.4 GB) on the GPU while it runs.
        # A distilled preset downloads its transformer only (its base's encoder and VAE serve it).
        assert 9.5 < preset.vram_offload_gb < preset.vram_gb and preset.download_gb >= (5 if preset.distilled_from else 10)


def test_unknown_model_lists_the_valid_ones():
    with pytest.raises(RecipeError) as info:
        get_preset("sora")
    assert "sora" in info.value.user_message and "wan-1.3b" in info.value.user_message


@pytest.mark.parametrize("name", sorted(clip_models()))
@pytest.mark.parametrize("aspect", [None, "16:9", "9:16", "1:1"])
@pytest.mark.parametrize("duration", [None, 0.2, 2.0, 3.3, 60.0])
def test_recipe_snaps_to_a_valid_size_and_frame_count(name, aspect, duration):
    preset = get_preset(name)
    recipe = preset.recipe("  a cat  ", "blurry", seed=7, duration=duration, aspect=aspect)
    validate_recipe(recipe)
    assert recipe.prompt == "a cat" and recipe.model == name and recipe.fps == preset.fps
    if aspect and not preset.fixed_size:
        wide, tall = recipe.width > recipe.height, recipe.height > recipe.width
        assert (wide, tall) == {"16:9": (True, False), "9:16": (False, True), "1:1": (False, False)}[aspect]


def test_recipe_duration_maps_to_nearest_valid_frame_count():
    wan = get_preset("wan-1.3b")
    assert wan.recipe("x", "", 0, duration=2.0).num_frames == 33  # 2 s at 16 fps, as 4k+1
    assert wan.recipe("x", "", 0, duration=60).num_frames == 81  # clamped to the model's maximum
    assert get_preset("ltx-video").recipe("x", "", 0, duration=5).num_frames == 121
    assert get_preset("cogvideox-2b").recipe("x", "", 0, duration=1).num_frames == 49  # fixed length
    with pytest.raises(RecipeError):
        wan.recipe("x", "", 0, duration=0)


def test_recipe_overrides_and_native_sizes():
    wan = get_preset("wan-1.3b")
    assert (wan.recipe("x", "", 0, aspect="9:16").width, wan.recipe("x", "", 0, aspect="9:16").height) == (480, 832)
    assert get_preset("cogvideox-2b").size_for("9:16") == (720, 480)
    recipe = wan.recipe("x", "", 0, steps=12, guidance=0)
    assert (recipe.steps, recipe.guidance) == (12, 0.0)
    with refused("unknown_aspect", RecipeError):
        wan.recipe("x", "", 0, aspect="4:3")


@pytest.mark.parametrize(
    "change, code",
    [
        (dict(model="nope"), "unknown_model"),
        (dict(prompt="   "), "empty_prompt"),
        (dict(width=65), "bad_size"),
        (dict(height=40), "bad_size"),
        (dict(num_frames=21), "too_many_frames"),
        (dict(num_frames=8), "bad_frame_count"),
        (dict(num_frames=1), "bad_frame_count"),
        (dict(steps=0), "bad_steps"),
        (dict(steps=MAX_STEPS + 1), "bad_steps"),
        (dict(guidance=-1.0), "bad_guidance"),
        (dict(guidance=float("nan")), "bad_guidance"),
        (dict(seed=-1), "bad_seed"),
        (dict(fps=0), "bad_fps"),
        (dict(init_image="/nonexistent/frame.png"), "missing_image"),
    ],
)
def test_validate_recipe_rejects_bad_recipes(change, code):
    good = get_preset("tiny").recipe("a cat", "", seed=1)
    with refused(code, RecipeError) as info:
        validate_recipe(dataclasses.replace(good, **change))
    assert info.value.user_message


def test_models_without_image_to_video_reject_an_init_image(tmp_path):
    image = tmp_path / "frame.png"
    image.write_bytes(b"not read by validation")
    with refused("model_no_i2v", RecipeError):
        get_preset("wan-1.3b").recipe("a cat", "", seed=1, init_image=image)
    # Validation names the presets that can (every recipe is validated through it before it renders).
    with refused("model_no_i2v", RecipeError) as info:
        validate_recipe(dataclasses.replace(get_preset("wan-1.3b").recipe("a cat", "", seed=1), init_image=str(image)))
    assert "ltx-video" in info.value.params["able"] and "wan-vace-1.3b" in info.value.params["able"]
    with refused("fixed_size", RecipeError):
        validate_recipe(dataclasses.replace(get_preset("cogvideox-2b").recipe("x", "", 0), width=480, height=720))
