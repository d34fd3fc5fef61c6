"""Writes the PTX that gpu-module-to-binary{format=isa} embedded in a module
(the `assembly = "..."` of its gpu.object) to a file."""
import re
import sys

text = open(sys.argv[1]).read()
match = re.search(r'assembly = "((?:[^"\\]|\\.)*)"', text)
if not match:
    sys.exit(f"{sys.argv[1]}: no gpu.object with PTX assembly")
# MLIR escapes non-printable bytes as \XX (hex) and '"' and '\' as \22, \5C.
ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)),
             match.group(1))
open(sys.argv[2], "w").write(ptx)
