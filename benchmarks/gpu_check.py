"""GPU check: Wan2.1-T2V-1.3B at 832x480x81 through Reelbot's worker path, on a GPU host without internet.

What it builds (nothing is downloaded): a `wan-1.3b` model folder in the hub layout with random weights:
- transformer and VAE: the real Wan2.1-T2V-1.3B configs (diffusers scripts/convert_wan_to_diffusers.py:
  30 layers, 12 heads x 128, ffn 8960, text_dim 4096; the default AutoencoderKLWan is Wan2.1's VAE);
- scheduler: the hub repo's UniPCMultistepScheduler (flow_prediction, flow_shift 3.0);
- text encoder: UMT5-XXL at its real width (d_model 4096, d_ff 10240, 64 heads, 256384-token vocabulary)
  but REDUCED DEPTH (2 of 24 layers), so prompt encoding time and encoder memory here are lower than real;
- tokenizer: Reelbot's tiny bilingual tokenizer (the real UMT5 spiece.model can't be fetched offline).

Then it queues a one-shot clip and renders it with the worker's own `process_job` and a `PipelineCache`
pinned to the device, twice: a cold job (loads the model) and a warm job (another seed, nothing cached).
Random weights give noise, so this measures speed and memory, never quality.

Printed for the warm job: seconds per denoising step (CFG: two transformer passes per step), peak GPU memory,
the worker's GPU idle share (1 - GPU busy / job wall time; busy from NVML if available, else the summed CUDA
event time of the text encoder, transformer and VAE calls), and achieved TFLOP/s against the estimate
2 x params x tokens + 4 x layers x dim x tokens^2 (+ cross-attention) per pass, x2 for CFG, with its ratio
to the GPU's dense bf16 peak when known. Ends with one `name=value` line.

    python benchmarks/gpu_check.py                     # H100/H200: ~2-4 minutes (budget: 8)
    python benchmarks/gpu_check.py --tiny --device cpu # same path at toy size, a few seconds (tests)
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a GPU host without internet: never try the hub
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from generation.pipelines import PipelineCache  # noqa: E402
from generation.registry import get_preset  # noqa: E402
from generation.tiny_tokenizers import fast_tokenizer  # noqa: E402
from renderqueue.jobs import claim_next, enqueue_clip_job, get_job  # noqa: E402
from renderqueue.settings import WorkerSettings  # noqa: E402
from renderqueue.rendering import process_job  # noqa: E402
from renderqueue.worker_config import WorkerConfig  # noqa: E402
from storage.clips import create_clip  # noqa: E402
from storage.db import open_db  # noqa: E402
from storage.transactions import transaction  # noqa: E402

# Dense bf16 peak, TFLOP/s, from NVIDIA's datasheets (SXM parts).
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "RTX 4090": 165.0}
REAL = dict(layers=30, heads=12, head_dim=128, ffn=8960, text_dim=4096, text_ff=10240, text_heads=64,
            text_layers=2, vocab=256384, vae={})  # fmt: skip
TINY = dict(layers=2, heads=2, head_dim=12, ffn=32, text_dim=32, text_ff=64, text_heads=4, text_layers=1,
            vocab=1024, vae=dict(base_dim=3, dim_mult=[1, 1, 1, 1], num_res_blocks=1))  # fmt: skip


def build_wan(folder: Path, dims: dict) -> None:
    """Save a WanPipeline with random weights and the given sizes into `folder` (the hub's layout)."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanPipeline, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(UMT5Config(
        vocab_size=dims["vocab"], d_model=dims["text_dim"], d_kv=64 if dims is REAL else 8, d_ff=dims["text_ff"],
        num_layers=dims["text_layers"], num_heads=dims["text_heads"], feed_forward_proj="gated-gelu",
        pad_token_id=0, eos_token_id=1, decoder_start_token_id=0))  # fmt: skip
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=dims["heads"], attention_head_dim=dims["head_dim"],
        in_channels=16, out_channels=16, text_dim=dims["text_dim"], freq_dim=256, ffn_dim=dims["ffn"],
        num_layers=dims["layers"], cross_attn_norm=True, qk_norm="rms_norm_across_heads", eps=1e-6,
        rope_max_seq_len=1024)  # fmt: skip
    vae = AutoencoderKLWan(**dims["vae"])
    scheduler = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0,
                                        num_train_timesteps=1000)  # fmt: skip
    if dims is REAL:  # the hub stores these in bf16: half the bytes to write and read back
        transformer, text_encoder = transformer.to(torch.bfloat16), text_encoder.to(torch.bfloat16)
    WanPipeline(tokenizer=fast_tokenizer(), text_encoder=text_encoder.eval(), vae=vae.eval(),
                scheduler=scheduler, transformer=transformer.eval()).save_pretrained(folder)  # fmt: skip


class GpuClock:
    """Summed CUDA time of every call of the given modules (events around each forward); wall time on CPU."""

    def __init__(self, pipe, device: str) -> None:
        self.cuda = device.startswith("cuda")
        self.spans: list[tuple] = []
        self.transformer_spans: list[tuple] = []
        self._open: dict[int, object] = {}
        self.transformer = pipe.transformer
        for index, module in enumerate((pipe.text_encoder, pipe.transformer)):
            module.register_forward_pre_hook(lambda m, a, i=index: self._start(i))
            module.register_forward_hook(lambda m, a, o, i=index: self._stop(i, m))
        decode = pipe.vae.decode  # the pipeline calls vae.decode, not forward

        def timed_decode(*args, **kwargs):
            self._start(2)
            try:
                return decode(*args, **kwargs)
            finally:
                self._stop(2, pipe.vae)

        pipe.vae.decode = timed_decode

    def _mark(self):
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def _start(self, index: int) -> None:
        self._open[index] = self._mark()

    def _stop(self, index: int, module) -> None:
        span = (self._open.pop(index), self._mark())
        self.spans.append(span)
        if module is self.transformer:
            self.transformer_spans.append(span)

    @staticmethod
    def _seconds(start, end) -> float:
        return start.elapsed_time(end) / 1000 if hasattr(start, "elapsed_time") else end - start

    def reset(self) -> None:
        self.spans, self.transformer_spans = [], []

    def busy(self) -> float:
        if self.cuda:
            torch.cuda.synchronize()
        return sum(self._seconds(*span) for span in self.spans)

    def denoise_seconds(self) -> float:
        """From the first transformer call's start to the last one's end."""
        return self._seconds(self.transformer_spans[0][0], self.transformer_spans[-1][1])


class NvmlSampler:
    """GPU utilization sampled every 50 ms with NVML (nvidia-ml-py), when installed; else unavailable."""

    def __init__(self, device: str) -> None:
        try:
            import pynvml

            pynvml.nvmlInit()
            index = torch.device(device).index or 0
            self.handle, self.nvml = pynvml.nvmlDeviceGetHandleByIndex(index), pynvml
        except Exception:  # not installed, or no NVML on this host
            self.handle = None
        self.samples: list[int] = []
        self._stop = threading.Event()

    def __enter__(self) -> "NvmlSampler":
        if self.handle is not None:
            threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.samples.append(self.nvml.nvmlDeviceGetUtilizationRates(self.handle).gpu)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def idle_share(self) -> float | None:
        return None if not self.samples else sum(s == 0 for s in self.samples) / len(self.samples)


@dataclass(frozen=True)
class Shape:
    width: int
    height: int
    frames: int
    steps: int


def flops_per_step(transformer, shape: Shape, text_tokens: int = 512) -> float:
    """2 x params x tokens + self-attention 4 x layers x dim x tokens^2 + cross-attention 4 x layers x dim x
    tokens x text_tokens, per transformer pass; x2 passes per step for CFG. Latent: VAE 8x space, 4x time;
    patch (1, 2, 2)."""
    config = transformer.config
    tokens = ((shape.frames - 1) // 4 + 1) * (shape.height // 16) * (shape.width // 16)
    dim = config.num_attention_heads * config.attention_head_dim
    params = sum(p.numel() for p in transformer.parameters())
    one_pass = 2 * params * tokens + 4 * config.num_layers * dim * (tokens**2 + tokens * text_tokens)
    return 2 * one_pass


def run(args: argparse.Namespace, home: Path) -> int:
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dims = TINY if args.tiny else REAL
    shape = Shape(64, 64, 5, 2) if args.tiny else Shape(832, 480, 81, args.steps)
    models = home / "models"
    started = time.monotonic()
    build_wan(models / "wan-1.3b", dims)
    print(f"built random-weight wan-1.3b ({'tiny' if args.tiny else 'real'} configs; text encoder "
          f"{dims['text_layers']} layers) in {time.monotonic() - started:.0f} s")  # fmt: skip

    db = open_db(home / "reelbot.sqlite3")
    config = WorkerConfig(db_path=home / "reelbot.sqlite3", media_dir=home / "media", models_dir=models,
                          settings=WorkerSettings(device=device, job_timeout_s=1200.0), worker_id="gpu-check")  # fmt: skip
    pipelines = PipelineCache(models, device=device)
    preset = get_preset("wan-1.3b")

    def queue(seed: int):
        recipe = preset.recipe("a red dragon flies over a snowy pine forest.", "blurry", seed, steps=shape.steps)
        recipe = {**recipe.to_dict(), "width": shape.width, "height": shape.height, "num_frames": shape.frames}
        with transaction(db):
            clip = create_clip(db, guild_id=None, channel_id=0, author_id=1, author_name="gpu-check",
                               request="gpu check", shot_list={"title": "GPU check", "shots": []}, recipes=[recipe],
                               captions=["1. shot"], model=preset.name)  # fmt: skip
            return enqueue_clip_job(db, clip.id, user_id=1, guild_id=None, model=preset.name, cost_estimate=1.0)

    def render(seed: int) -> tuple[float, object]:
        job = queue(seed)
        claimed = claim_next(db, config.worker_id, loaded_model=None)
        began = time.monotonic()
        process_job(db, claimed, pipelines, config, threading.Event())
        wall = time.monotonic() - began
        done = get_job(db, job.id)
        if done.status != "done":
            raise SystemExit(f"job failed: {done.error} {done.detail if hasattr(done, 'detail') else ''}")
        return wall, done

    cold, _ = render(1)
    pipe = pipelines.get(preset.name)
    print(f"cold job (with load): {cold:.1f} s; placement: {pipelines.tier(preset.name)}")
    clock = GpuClock(pipe, device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats(device)
    with NvmlSampler(device) as nvml:
        warm, _ = render(2)
    busy = clock.busy()
    s_per_step = clock.denoise_seconds() / shape.steps
    peak = torch.cuda.max_memory_allocated(device) / 1e9 if device.startswith("cuda") else float("nan")
    idle = nvml.idle_share()
    idle_how = "NVML"
    if idle is None:
        idle, idle_how = max(0.0, 1 - busy / warm), "CUDA events" if device.startswith("cuda") else "wall clock"
    flops = flops_per_step(pipe.transformer, shape)
    achieved = flops / s_per_step / 1e12
    name = torch.cuda.get_device_name(device) if device.startswith("cuda") else "cpu"
    peak_tflops = next((value for key, value in PEAK_TFLOPS.items() if key in name), None)
    print(f"device: {name}; shot {shape.width}x{shape.height}x{shape.frames}, {shape.steps} steps, CFG")
    print(f"warm job wall {warm:.1f} s; model busy {busy:.1f} s; idle share {idle:.3f} ({idle_how})")
    print(f"s/step {s_per_step:.3f}; peak GPU memory {peak:.1f} GB")
    print(f"FLOP estimate {flops / 1e12:.1f} TFLOP/step; achieved {achieved:.1f} TFLOP/s"
          + (f" = {achieved / peak_tflops:.2f} of the {peak_tflops:g} TFLOP/s bf16 peak" if peak_tflops else ""))  # fmt: skip
    print(f"gpu_check_s_per_step={s_per_step:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    parser.add_argument("--steps", type=int, default=4, help="denoising steps of each job (real size)")
    parser.add_argument("--tiny", action="store_true", help="toy sizes, for CPU tests of this script")
    parser.add_argument("--home", type=Path, help="data folder to keep (default: a temporary one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.home:
        return run(args, args.home)
    with tempfile.TemporaryDirectory(prefix="reelbot-gpu-check-") as home:
        return run(args, Path(home))


if __name__ == "__main__":
    raise SystemExit(main())
