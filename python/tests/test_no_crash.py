"""The passes never crash: every corpus file, example and lit input, as is
and after upstream rewrites, goes through raise and decompose, and raise,
fold and the fused CPU lowering, with a clean
exit or a diagnostic."""
import pathlib
import subprocess

import pytest

from conftest import corpus_files
from qkvtie import find_tool

REPO = pathlib.Path(__file__).resolve().parents[2]
# Lit files marked XFAIL hold crashes of upstream MLIR that no pass of ours
# can avoid (the parser fails before any pass runs).
FILES = sorted(p for p in corpus_files() + list((REPO / "examples").rglob("*.mlir")) +
               list((REPO / "test").rglob("*.mlir"))
               if "// XFAIL:" not in p.read_text(errors="replace")[:2000])


def may_fail(path):
    """Only inputs written to fail (error tests, bad input) may exit 1; the
    models, examples and lit inputs must go through every pipeline."""
    text = path.read_text(errors="replace")
    return "expected-error" in text or "BadInput" in path.parts or \
        "not qkvtie-opt" in text


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_crash(path):
    opt = find_tool("qkvtie-opt")
    allowed = (0, 1) if may_fail(path) else (0,)
    for args in (["--qkvtie-raise-attention=remarks"],
                 ["--qkvtie-raise-attention", "--qkvtie-decompose"],
                 ["--qkvtie-raise-attention", "--qkvtie-fold-ties",
                  "--qkvtie-lower-cpu"]):
        proc = subprocess.run([opt, str(path), "-split-input-file", *args,
                               "-o", "/dev/null"], capture_output=True, text=True,
                              timeout=120)
        # A diagnostic exits 1; a crash is a signal or LLVM's report.
        assert proc.returncode in allowed, (args, proc.stderr[-2000:])
        assert "PLEASE submit a bug report" not in proc.stderr
