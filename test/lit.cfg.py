# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "QKVTie"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qkvtie_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qkvtie_src", config.qkvtie_src_root))
config.substitutions.append(
    ("%qkvtie_plugin", os.path.join(config.qkvtie_lib_dir, "QKVTiePlugin.so")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.qkvtie_tools_dir, config.llvm_tools_dir]
tools = ["qkvtie-opt", "mlir-opt", "mlir-translate"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

config.substitutions.append(("%python", "python3"))

# The GPU tests assemble the kernels' PTX with the CUDA toolkit's ptxas; the
# toolkit is needed to build, not to run (see runtime/cuda).
ptxas = os.path.join(config.qkvtie_cuda_path, "bin", "ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# An instrumented plugin cannot load into the uninstrumented upstream mlir-opt.
if config.qkvtie_sanitize:
    config.available_features.add("sanitizer")
