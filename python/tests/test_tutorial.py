"""docs/tutorial.md runs: its Python blocks, in order, in one namespace."""
import pathlib
import re

import pytest

pytest.importorskip("torch")
pytest.importorskip("torch_mlir")

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_tutorial_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the tutorial writes tied.mlir
    text = (REPO / "docs/tutorial.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/tutorial.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Q-K=V" in out and "k=v proven by ssa" in out
    assert "K=V:       cache 4 MiB" in out and "canonical: cache 8 MiB" in out
    assert "func.func @forward" in (tmp_path / "tied.mlir").read_text()
