"""Tokenizers for the tiny models, in the two formats the real hub repos use.

- `fast_tokenizer`: a `tokenizer.json` (tokenizers library), like Wan's UMT5 folder.
- `write_spiece_tokenizer`: a SentencePiece `spiece.model` plus `tokenizer_config.json`, and nothing else,
  like the T5 folders of Lightricks/LTX-Video and zai-org/CogVideoX-2b. Loading such a folder makes
  transformers convert the model with `sentencepiece` and `protobuf`, the path the real presets take.

Both are trained on `corpus()` with fixed settings, so every build is byte-for-byte identical.
"""
from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

SPECIAL_TOKENS = ["<pad>", "</s>", "<unk>"]  # T5/UMT5 ids: pad=0, eos=1, unk=2
# T5 tokenizers add 100 sentinel tokens after the SentencePiece vocabulary (tokenizer_config "extra_ids").
T5_EXTRA_IDS = 100

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


def corpus() -> list[str]:
    """A few hundred English and Chinese prompts, enough to train a small bilingual tokenizer."""
    english = [f"{s} {a} {p}." for s, a, p in itertools.product(_EN_SUBJECTS, _EN_ACTIONS, _EN_PLACES)]
    chinese = [f"{s}{a}{p}。" for s, a, p in itertools.product(_ZH_SUBJECTS, _ZH_ACTIONS, _ZH_PLACES)]
    return english + chinese + _CAMERA


def fast_tokenizer(model_max_length: int = 512):
    """A UMT5-style PreTrainedTokenizerFast (pad=0, eos=1, unk=2; appends </s>), saved as tokenizer.json."""
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
        corpus(), trainer=trainers.BpeTrainer(vocab_size=1024, special_tokens=SPECIAL_TOKENS, show_progress=False)
    )
    # Like T5: append </s> to every sequence.
    tok.post_processor = processors.TemplateProcessing(
        single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", 1)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=model_max_length
    )


def write_spiece_tokenizer(folder: Path, *, model_max_length: int, vocab_size: int = 600) -> int:
    """Write a T5 tokenizer folder holding only spiece.model and its JSON configs; return len(tokenizer).

    The SentencePiece model is a BPE model trained single-threaded with a fixed seed (deterministic;
    the hub's T5 models are Unigram, which SentencePiece reads through the same conversion code).
    Raises ImportError when sentencepiece is missing.
    """
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    spm.set_random_generator_seed(0)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()),
        model_writer=buffer,
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=1.0,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        minloglevel=2,
    )
    (folder / "spiece.model").write_bytes(buffer.getvalue())
    sentinels = [f"<extra_id_{index}>" for index in range(T5_EXTRA_IDS)]
    special = {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>", "additional_special_tokens": sentinels}
    config = {"tokenizer_class": "T5Tokenizer", "model_max_length": model_max_length, "extra_ids": T5_EXTRA_IDS,
              "legacy": True, **special}  # fmt: skip
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    (folder / "special_tokens_map.json").write_text(json.dumps(special, indent=2, sort_keys=True))
    return vocab_size + T5_EXTRA_IDS
