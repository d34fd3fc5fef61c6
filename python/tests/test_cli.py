"""The `qkvtie` command: report, compile, run, and its errors."""
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "examples/models"


def qkvtie(*args):
    return subprocess.run([sys.executable, "-m", "qkvtie", *map(str, args)],
                          capture_output=True, text=True)


def test_report_prints_the_tie_and_the_saving():
    p = qkvtie("report", MODELS / "mha-kv-tied.mlir")
    assert p.returncode == 0, p.stderr
    assert "Q-K=V, 4 query heads / 4 KV heads, 1 cache buffer(s), 256 B/token " \
           "(before folding: 512 B/token, 50% saved)" in p.stdout
    assert "tie k=v: proven by ssa" in p.stdout
    p = qkvtie("report", MODELS / "mha-kv-tied.mlir", "--json")
    assert '"variant": "Q-K=V"' in p.stdout


def test_compile_writes_library_and_header(tmp_path):
    p = qkvtie("compile", MODELS / "gqa-rope-causal-kv-tied.mlir", "-o",
               tmp_path / "libgqa.so", "--capacity", 64)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "libgqa.so").exists()
    header = (tmp_path / "gqa.h").read_text()
    assert "gqa_forward_session *gqa_forward_session_create(void);" in header
    assert "int gqa_forward_session_step(gqa_forward_session *s" in header
    assert "compiling" in p.stderr  # progress


def test_run_checks_the_output_and_decodes():
    name = "gqa-rope-causal-kv-tied"
    p = qkvtie("run", MODELS / f"{name}.mlir", "--inputs", MODELS / f"{name}.inputs.npz",
               "--expected", MODELS / f"{name}.expected.npy", "--decode")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "(ok at rtol=0.0001" in p.stdout
    assert "decode: 8 steps from empty caches (1 attention(s), 1 buffer(s))" in p.stdout


@pytest.mark.parametrize("args,code,message", [
    (["report", "missing.mlir"], 2, "missing.mlir: no such file"),
    (["run", MODELS / "mha-kv-tied.mlir"], 2, "--inputs"),
    (["run", MODELS / "mha-kv-tied.mlir", "--inputs", "missing.npz"], 1, "missing.npz"),
    (["run", MODELS / "mha-kv-tied.mlir", "--inputs",
      MODELS / "mha-kv-tied.inputs.npz", "--entry", "nope"], 1, "no function @nope"),
    (["bogus"], 2, "invalid choice"),
])
def test_errors_are_messages_with_nonzero_exit(args, code, message):
    p = qkvtie(*args)
    assert p.returncode == code
    assert message in p.stderr
    assert "Traceback" not in p.stderr


def test_parse_error_points_at_the_line(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @f(%x: tensor<4xf32>) {\n  return %y\n}\n")
    p = qkvtie("report", bad)
    assert p.returncode == 1
    assert f"{bad}:2:" in p.stderr


def test_run_names_a_missing_input(tmp_path):
    import numpy as np
    x = np.load(MODELS / "mha-kv-tied.inputs.npz")["arg0"]
    np.savez(tmp_path / "bad.npz", arg1=x)
    p = qkvtie("run", MODELS / "mha-kv-tied.mlir", "--inputs", tmp_path / "bad.npz")
    assert p.returncode == 1 and "has no arg0" in p.stderr, p.stderr
    np.savez(tmp_path / "none.npz", other=x)
    p = qkvtie("run", MODELS / "gqa-rope-causal-kv-tied.mlir", "--inputs",
               tmp_path / "none.npz")
    assert p.returncode == 1 and "has no arg0 (it holds other" in p.stderr, p.stderr
