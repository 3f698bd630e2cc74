"""The benchmark command runs (quick mode). It asserts no timing: speed is measured by
`python -m benchmarks`, not by tests on a shared machine."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_command_runs_in_quick_mode(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    for heading in ("steps per second", "landscapes", "the window", "memory", "start-up"):
        assert heading in result.stdout
    data = json.loads(out.read_text())
    assert len(data["engine"]) == 3 * 7
    assert data["window"]["steps_per_s"] > 0 and data["startup_s"] > 0
