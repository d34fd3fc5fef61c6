#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#map2 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map5 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map6 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xbf16>, %arg1: tensor<16x16xbf16>, %arg2: tensor<8x16xbf16>, %arg3: tensor<8x16xbf16>) -> tensor<1x4x16xbf16> {
    %cst = arith.constant 0.000000e+00 : f32
    %c0_i64 = arith.constant 0 : i64
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 5.000000e-01 : bf16
    %0 = tensor.empty() : tensor<16x16xbf16>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xbf16>) outs(%0 : tensor<16x16xbf16>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xbf16> into tensor<4x16xbf16>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xbf16>, tensor<16x16xbf16>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %4 = tensor.empty() : tensor<4x16xbf16>
    %5 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%3 : tensor<4x16xf32>) outs(%4 : tensor<4x16xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<4x16xbf16>
    %expanded = tensor.expand_shape %5 [[0, 1], [2, 3]] output_shape [1, 4, 4, 4] : tensor<4x16xbf16> into tensor<1x4x4x4xbf16>
    %6 = tensor.empty() : tensor<1x4x4x4xbf16>
    %transposed_2 = linalg.transpose ins(%expanded : tensor<1x4x4x4xbf16>) outs(%6 : tensor<1x4x4x4xbf16>) permutation = [0, 2, 1, 3] 
    %7 = tensor.empty() : tensor<16x8xbf16>
    %transposed_3 = linalg.transpose ins(%arg2 : tensor<8x16xbf16>) outs(%7 : tensor<16x8xbf16>) permutation = [1, 0] 
    %8 = tensor.empty() : tensor<4x8xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %10 = linalg.matmul ins(%collapsed, %transposed_3 : tensor<4x16xbf16>, tensor<16x8xbf16>) outs(%9 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %11 = tensor.empty() : tensor<4x8xbf16>
    %12 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%10 : tensor<4x8xf32>) outs(%11 : tensor<4x8xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<4x8xbf16>
    %expanded_4 = tensor.expand_shape %12 [[0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xbf16> into tensor<1x4x2x4xbf16>
    %13 = tensor.empty() : tensor<1x2x4x4xbf16>
    %transposed_5 = linalg.transpose ins(%expanded_4 : tensor<1x4x2x4xbf16>) outs(%13 : tensor<1x2x4x4xbf16>) permutation = [0, 2, 1, 3] 
    %transposed_6 = linalg.transpose ins(%arg3 : tensor<8x16xbf16>) outs(%7 : tensor<16x8xbf16>) permutation = [1, 0] 
    %14 = linalg.matmul ins(%collapsed, %transposed_6 : tensor<4x16xbf16>, tensor<16x8xbf16>) outs(%9 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %15 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%14 : tensor<4x8xf32>) outs(%11 : tensor<4x8xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<4x8xbf16>
    %expanded_7 = tensor.expand_shape %15 [[0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xbf16> into tensor<1x4x2x4xbf16>
    %transposed_8 = linalg.transpose ins(%expanded_7 : tensor<1x4x2x4xbf16>) outs(%13 : tensor<1x2x4x4xbf16>) permutation = [0, 2, 1, 3] 
    %16 = tensor.empty() : tensor<1x2x2x4x4xbf16>
    %17 = linalg.generic {indexing_maps = [#map1, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_5 : tensor<1x2x4x4xbf16>) outs(%16 : tensor<1x2x2x4x4xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      linalg.yield %in : bf16
    } -> tensor<1x2x2x4x4xbf16>
    %collapsed_9 = tensor.collapse_shape %17 [[0], [1, 2], [3], [4]] : tensor<1x2x2x4x4xbf16> into tensor<1x4x4x4xbf16>
    %18 = linalg.generic {indexing_maps = [#map1, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_8 : tensor<1x2x4x4xbf16>) outs(%16 : tensor<1x2x2x4x4xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      linalg.yield %in : bf16
    } -> tensor<1x2x2x4x4xbf16>
    %transposed_10 = linalg.transpose ins(%collapsed_9 : tensor<1x4x4x4xbf16>) outs(%6 : tensor<1x4x4x4xbf16>) permutation = [0, 1, 3, 2] 
    %collapsed_11 = tensor.collapse_shape %transposed_2 [[0, 1], [2], [3]] : tensor<1x4x4x4xbf16> into tensor<4x4x4xbf16>
    %collapsed_12 = tensor.collapse_shape %transposed_10 [[0, 1], [2], [3]] : tensor<1x4x4x4xbf16> into tensor<4x4x4xbf16>
    %19 = tensor.empty() : tensor<4x4x4xf32>
    %20 = linalg.fill ins(%cst : f32) outs(%19 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %21 = linalg.batch_matmul ins(%collapsed_11, %collapsed_12 : tensor<4x4x4xbf16>, tensor<4x4x4xbf16>) outs(%20 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %22 = tensor.empty() : tensor<4x4x4xbf16>
    %23 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%21 : tensor<4x4x4xf32>) outs(%22 : tensor<4x4x4xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<4x4x4xbf16>
    %expanded_13 = tensor.expand_shape %23 [[0, 1], [2], [3]] output_shape [1, 4, 4, 4] : tensor<4x4x4xbf16> into tensor<1x4x4x4xbf16>
    %24 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_13 : tensor<1x4x4x4xbf16>) outs(%6 : tensor<1x4x4x4xbf16>) {
    ^bb0(%in: bf16, %out: bf16):
      %41 = arith.mulf %in, %cst_1 : bf16
      linalg.yield %41 : bf16
    } -> tensor<1x4x4x4xbf16>
    %25 = tensor.empty() : tensor<1x4x4x4xf32>
    %26 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%24 : tensor<1x4x4x4xbf16>) outs(%25 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: bf16, %out: f32):
      %41 = arith.extf %in : bf16 to f32
      linalg.yield %41 : f32
    } -> tensor<1x4x4x4xf32>
    %27 = tensor.empty() : tensor<1x4x4xi64>
    %28 = linalg.fill ins(%c0_i64 : i64) outs(%27 : tensor<1x4x4xi64>) -> tensor<1x4x4xi64>
    %29 = tensor.empty() : tensor<1x4x4xf32>
    %30 = linalg.fill ins(%cst_0 : f32) outs(%29 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
    %31:2 = linalg.generic {indexing_maps = [#map4, #map5, #map5], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%26 : tensor<1x4x4x4xf32>) outs(%30, %28 : tensor<1x4x4xf32>, tensor<1x4x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_20: i64):
      %41 = linalg.index 3 : index
      %42 = arith.index_cast %41 : index to i64
      %43 = arith.maximumf %in, %out : f32
      %44 = arith.cmpf ogt, %in, %out : f32
      %45 = arith.select %44, %42, %out_20 : i64
      linalg.yield %43, %45 : f32, i64
    } -> (tensor<1x4x4xf32>, tensor<1x4x4xi64>)
    %expanded_14 = tensor.expand_shape %31#0 [[0], [1], [2, 3]] output_shape [1, 4, 4, 1] : tensor<1x4x4xf32> into tensor<1x4x4x1xf32>
    %32 = linalg.generic {indexing_maps = [#map4, #map6, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%26, %expanded_14 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%25 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %in_20: f32, %out: f32):
      %41 = arith.subf %in, %in_20 : f32
      linalg.yield %41 : f32
    } -> tensor<1x4x4x4xf32>
    %33 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%32 : tensor<1x4x4x4xf32>) outs(%25 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %41 = math.exp %in : f32
      linalg.yield %41 : f32
    } -> tensor<1x4x4x4xf32>
    %34 = tensor.empty() : tensor<1x4x4x1xf32>
    %35 = linalg.fill ins(%cst : f32) outs(%34 : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
    %36 = linalg.generic {indexing_maps = [#map4, #map6], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%33 : tensor<1x4x4x4xf32>) outs(%35 : tensor<1x4x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %41 = arith.addf %in, %out : f32
      linalg.yield %41 : f32
    } -> tensor<1x4x4x1xf32>
    %37 = linalg.generic {indexing_maps = [#map4, #map6, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%33, %36 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%25 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %in_20: f32, %out: f32):
      %41 = arith.divf %in, %in_20 : f32
      linalg.yield %41 : f32
    } -> tensor<1x4x4x4xf32>
    %38 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37 : tensor<1x4x4x4xf32>) outs(%6 : tensor<1x4x4x4xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<1x4x4x4xbf16>
    %collapsed_15 = tensor.collapse_shape %38 [[0, 1], [2], [3]] : tensor<1x4x4x4xbf16> into tensor<4x4x4xbf16>
    %collapsed_16 = tensor.collapse_shape %18 [[0, 1, 2], [3], [4]] : tensor<1x2x2x4x4xbf16> into tensor<4x4x4xbf16>
    %39 = linalg.batch_matmul ins(%collapsed_15, %collapsed_16 : tensor<4x4x4xbf16>, tensor<4x4x4xbf16>) outs(%20 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %40 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%39 : tensor<4x4x4xf32>) outs(%22 : tensor<4x4x4xbf16>) {
    ^bb0(%in: f32, %out: bf16):
      %41 = arith.truncf %in : f32 to bf16
      linalg.yield %41 : bf16
    } -> tensor<4x4x4xbf16>
    %expanded_17 = tensor.expand_shape %40 [[0, 1], [2], [3]] output_shape [1, 4, 4, 4] : tensor<4x4x4xbf16> into tensor<1x4x4x4xbf16>
    %transposed_18 = linalg.transpose ins(%expanded_17 : tensor<1x4x4x4xbf16>) outs(%6 : tensor<1x4x4x4xbf16>) permutation = [0, 2, 1, 3] 
    %collapsed_19 = tensor.collapse_shape %transposed_18 [[0], [1], [2, 3]] : tensor<1x4x4x4xbf16> into tensor<1x4x16xbf16>
    return %collapsed_19 : tensor<1x4x16xbf16>
  }
}
