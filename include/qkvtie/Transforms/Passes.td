//===- Passes.td - QKVTie passes ---------------------------*- tablegen -*-===//

#ifndef QKVTIE_TRANSFORMS_PASSES_TD
#define QKVTIE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QKVTieReport : Pass<"qkvtie-report", "ModuleOp"> {
  let summary = "Writes a JSON report of every attention's ties and cache";
  let description = [{
    For each `qkvtie.attention` and `qkvtie.cache.attend`, records its
    location, tying map and the study's variant name, head grouping,
    projections and weight bytes, and KV-cache bytes per token with and
    without the ties. The IR is not changed.

    ```
    qkvtie-opt model.mlir --qkvtie-report=output=report.json -o /dev/null
    ```

    With `output=-` (the default) the JSON goes to standard output.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the JSON report ('-' for stdout)">
  ];
}

#endif // QKVTIE_TRANSFORMS_PASSES_TD
