#!/usr/bin/env python3
"""Times qkvtie-raise-attention on an N-layer model made by repeating a
one-layer model's function N times and chaining the calls.

    python3 scripts/raise-speed.py [model.mlir] [--layers 12]
"""
import argparse
import pathlib
import re
import subprocess
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]


def stack(text, layers):
    body_start = text.index("func.func @forward")
    resources = text.find("{-#")
    module_end = text.rindex("}", 0, resources if resources >= 0 else len(text))
    func = text[body_start:module_end].rstrip()
    header = text[:body_start]
    sig = re.match(r"func\.func @forward\((%arg0: [^)]*)\) -> ([^ ]+) \{", func)
    arg_type = sig.group(1).split(":", 1)[1].strip()
    out = [header]
    for i in range(layers):
        out.append(func.replace("func.func @forward", f"func.func private @layer{i}", 1))
    calls = [f"    %h{i + 1} = func.call @layer{i}(%h{i}) : ({arg_type}) -> {sig.group(2)}"
             for i in range(layers)]
    out.append(f"  func.func @forward(%h0: {arg_type}) -> {sig.group(2)} {{\n" +
               "\n".join(calls) + f"\n    return %h{layers} : {sig.group(2)}\n  }}\n}}\n")
    if resources >= 0:
        out.append(text[resources:])
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?",
                    default=str(REPO / "examples/models/gqa-rope-causal.mlir"))
    ap.add_argument("--layers", type=int, default=12)
    args = ap.parse_args()
    text = stack(pathlib.Path(args.model).read_text(), args.layers)
    opt = REPO / "build/bin/qkvtie-opt"
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "stacked.mlir"
        path.write_text(text)
        base = min(_time([opt, path, "-o", "/dev/null"]) for _ in range(3))
        full = min(_time([opt, path, "--qkvtie-raise-attention", "-o", "/dev/null"])
                   for _ in range(3))
        raised = subprocess.run([opt, path, "--qkvtie-raise-attention"],
                                capture_output=True, text=True, check=True).stdout
    n = raised.count("qkvtie.attention ties")
    print(f"{args.layers} layers, {len(text) / 1e6:.2f} MB: parse+print {base:.3f} s, "
          f"with raise {full:.3f} s (raise {full - base:.3f} s), {n} attentions raised")


def _time(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
