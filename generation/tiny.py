"""The `tiny` model: a real diffusers Wan pipeline with tiny random weights, built offline.

It exercises the exact code path real models take (save_pretrained, then WanPipeline.from_pretrained),
so tests and demos need no download and no GPU. Everything is derived from fixed seeds and a built-in
corpus, so every build is byte-for-byte identical and renders stay reproducible across machines.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
from pathlib import Path

# Bump whenever anything below changes what gets built, so stale copies are rebuilt.
TINY_BUILD = 1
STAMP_FILE = "reelbot-tiny.json"

_SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>"]  # T5/UMT5 ids: pad=0, eos=1, unk=2
_TEXT_DIM = 32

_EN_SUBJECTS = ["a cat", "an old fisherman", "a small robot", "two kids", "a red dragon", "a vintage car",
                "the chef", "a lonely astronaut", "a golden retriever", "a street dancer"]
_EN_ACTIONS = ["walks slowly along", "dances on", "runs across", "flies over", "sleeps beside",
               "looks out over", "drives through", "paints a picture of"]
_EN_PLACES = ["the beach at sunset", "a neon city street in the rain", "a snowy pine forest",
              "the kitchen table", "a quiet library", "the surface of the moon"]
_ZH_SUBJECTS = ["一只猫", "一位老渔夫", "一个小机器人", "两个孩子", "一条红龙", "一辆老爷车",
                "厨师", "孤独的宇航员", "一只金毛犬", "街舞者"]
_ZH_ACTIONS = ["慢慢走过", "在上面跳舞", "跑过", "飞过", "睡在旁边", "眺望", "驶过", "画着"]
_ZH_PLACES = ["日落时的海滩", "雨中的霓虹街道", "积雪的松林", "厨房的桌子", "安静的图书馆", "月球表面"]
_CAMERA = ["Close-up shot.", "Wide shot, slow dolly in.", "特写镜头。", "广角镜头，缓慢推进。"]


def ensure_tiny_model(models_dir: Path) -> Path:
    """Build the tiny pipeline under models_dir/tiny unless an up-to-date build is already there."""
    models_dir = Path(models_dir)
    target = models_dir / "tiny"
    if _is_current(target):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename into place, so a crash or a concurrent worker never
    # leaves a half-written model that looks complete.
    staging = Path(tempfile.mkdtemp(prefix=".tiny-", dir=models_dir))
    try:
        _build(staging)
        if target.exists() and not _is_current(target):
            shutil.rmtree(target)
        try:
            os.rename(staging, target)
        except OSError:
            if not _is_current(target):  # someone else won the race with a good build: fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def corpus() -> list[str]:
    """A few hundred English and Chinese prompts, enough to train a small bilingual tokenizer."""
    english = [f"{s} {a} {p}." for s, a, p in itertools.product(_EN_SUBJECTS, _EN_ACTIONS, _EN_PLACES)]
    chinese = [f"{s}{a}{p}。" for s, a, p in itertools.product(_ZH_SUBJECTS, _ZH_ACTIONS, _ZH_PLACES)]
    return english + chinese + _CAMERA


def _is_current(path: Path) -> bool:
    try:
        return json.loads((path / STAMP_FILE).read_text())["build"] == TINY_BUILD
    except (OSError, ValueError, KeyError):
        return False


def _build(out_dir: Path) -> None:
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = _train_tokenizer()
    # Seed each component separately so changing one never silently changes the others' weights,
    # and fork the RNG so building never disturbs the caller's random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        text_encoder = UMT5EncoderModel(
            UMT5Config(
                vocab_size=len(tokenizer),
                d_model=_TEXT_DIM,
                d_kv=8,
                d_ff=64,
                num_layers=2,
                num_heads=4,
                relative_attention_num_buckets=8,
                feed_forward_proj="gated-gelu",
                pad_token_id=0,
                eos_token_id=1,
                decoder_start_token_id=0,
            )
        )
        torch.manual_seed(2)
        vae = AutoencoderKLWan(
            base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
        )
        torch.manual_seed(3)
        transformer = WanTransformer3DModel(
            patch_size=(1, 2, 2),
            num_attention_heads=2,
            attention_head_dim=12,
            in_channels=16,
            out_channels=16,
            text_dim=_TEXT_DIM,
            freq_dim=256,
            ffn_dim=32,
            num_layers=2,
            cross_attn_norm=True,
            qk_norm="rms_norm_across_heads",
            rope_max_seq_len=32,
        )
    pipe = WanPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder.eval(),
        vae=vae.eval(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0),
        transformer=transformer.eval(),
        # Wan2.2-TI2V-style conditioning: image-to-video swaps in the first latent frame, so the same
        # weights also load as WanImageToVideoPipeline without a CLIP image encoder.
        expand_timesteps=True,
    )
    pipe.save_pretrained(out_dir)
    (out_dir / STAMP_FILE).write_text(json.dumps({"build": TINY_BUILD}))


def _train_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    # BPE rather than Unigram (what UMT5 really uses): the Unigram trainer's EM scores vary between runs,
    # and a byte-identical build is worth more here than matching the real tokenizer's algorithm.
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.train_from_iterator(
        corpus(), trainer=trainers.BpeTrainer(vocab_size=1024, special_tokens=_SPECIAL_TOKENS, show_progress=False)
    )
    # Like T5: append </s> to every sequence.
    tok.post_processor = processors.TemplateProcessing(
        single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=512
    )
