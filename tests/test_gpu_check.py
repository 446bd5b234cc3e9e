"""benchmarks/gpu_check.py runs end to end at toy size on CPU (the real run needs a GPU host)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_runs_the_worker_path_at_tiny_size(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--tiny", "--device", "cpu", "--home",
         str(tmp_path)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"gpu_check_s_per_step=\d+\.\d+", lines[-1]) and float(lines[-1].split("=")[1]) > 0
    assert any(line.startswith("s/step") for line in lines) and any("idle share" in line for line in lines)
    assert (tmp_path / "models" / "wan-1.3b" / "model_index.json").is_file()
