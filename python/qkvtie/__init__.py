"""QKVTie: compile attention with tied projections and run it from Python.

    import qkvtie
    model = qkvtie.compile("model.mlir")   # or qkvtie.from_torch(module, (x,))
    y = model(x)
    qkvtie.report("model.mlir")            # ties, KV-cache bytes per token
    ids = qkvtie.compile("lm.mlir", capacity=512).generate(prompt, 32)
    gpu = qkvtie.compile("model.mlir", target=qkvtie.Target.CUDA)  # or "cuda"
"""

from .api import (CompileError, DecodeSession, Model, compile,  # noqa: F401
                  export_torch, from_torch, report)
from .compiler import (GPUError, Library, Target, compile_file,  # noqa: F401
                       cuda_available, find_tool)
from .runtime import ExecutionError, set_num_threads  # noqa: F401
