#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf16>, %arg1: tensor<16x16xf16>, %arg2: tensor<16x16xf16>, %arg3: tensor<16x16xf16>) -> tensor<1x4x16xf16> {
    %cst = arith.constant 0.000000e+00 : f32
    %c0_i64 = arith.constant 0 : i64
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 0.35355339059327373 : f64
    %0 = tensor.empty() : tensor<16x16xf16>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf16>) outs(%0 : tensor<16x16xf16>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf16> into tensor<4x16xf16>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf16>, tensor<16x16xf16>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %4 = tensor.empty() : tensor<4x16xf16>
    %5 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%3 : tensor<4x16xf32>) outs(%4 : tensor<4x16xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<4x16xf16>
    %expanded = tensor.expand_shape %5 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf16> into tensor<1x4x2x8xf16>
    %6 = tensor.empty() : tensor<1x2x4x8xf16>
    %transposed_2 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf16>) outs(%6 : tensor<1x2x4x8xf16>) permutation = [0, 2, 1, 3] 
    %transposed_3 = linalg.transpose ins(%arg2 : tensor<16x16xf16>) outs(%0 : tensor<16x16xf16>) permutation = [1, 0] 
    %7 = linalg.matmul ins(%collapsed, %transposed_3 : tensor<4x16xf16>, tensor<16x16xf16>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %8 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%7 : tensor<4x16xf32>) outs(%4 : tensor<4x16xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<4x16xf16>
    %expanded_4 = tensor.expand_shape %8 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf16> into tensor<1x4x2x8xf16>
    %transposed_5 = linalg.transpose ins(%arg3 : tensor<16x16xf16>) outs(%0 : tensor<16x16xf16>) permutation = [1, 0] 
    %9 = linalg.matmul ins(%collapsed, %transposed_5 : tensor<4x16xf16>, tensor<16x16xf16>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %10 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%9 : tensor<4x16xf32>) outs(%4 : tensor<4x16xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<4x16xf16>
    %expanded_6 = tensor.expand_shape %10 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf16> into tensor<1x4x2x8xf16>
    %transposed_7 = linalg.transpose ins(%expanded_6 : tensor<1x4x2x8xf16>) outs(%6 : tensor<1x2x4x8xf16>) permutation = [0, 2, 1, 3] 
    %11 = tensor.empty() : tensor<1x2x8x4xf16>
    %transposed_8 = linalg.transpose ins(%expanded_4 : tensor<1x4x2x8xf16>) outs(%11 : tensor<1x2x8x4xf16>) permutation = [0, 2, 3, 1] 
    %collapsed_9 = tensor.collapse_shape %transposed_2 [[0, 1], [2], [3]] : tensor<1x2x4x8xf16> into tensor<2x4x8xf16>
    %collapsed_10 = tensor.collapse_shape %transposed_8 [[0, 1], [2], [3]] : tensor<1x2x8x4xf16> into tensor<2x8x4xf16>
    %12 = tensor.empty() : tensor<2x4x4xf32>
    %13 = linalg.fill ins(%cst : f32) outs(%12 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %14 = linalg.batch_matmul ins(%collapsed_9, %collapsed_10 : tensor<2x4x8xf16>, tensor<2x8x4xf16>) outs(%13 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %15 = tensor.empty() : tensor<2x4x4xf16>
    %16 = linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel", "parallel", "parallel"]} ins(%14 : tensor<2x4x4xf32>) outs(%15 : tensor<2x4x4xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<2x4x4xf16>
    %expanded_11 = tensor.expand_shape %16 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf16> into tensor<1x2x4x4xf16>
    %17 = tensor.empty() : tensor<1x2x4x4xf16>
    %18 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_11 : tensor<1x2x4x4xf16>) outs(%17 : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f16, %out: f16):
      %39 = arith.truncf %cst_1 : f64 to f16
      %40 = arith.mulf %in, %39 : f16
      linalg.yield %40 : f16
    } -> tensor<1x2x4x4xf16>
    %19 = tensor.empty() : tensor<1x2x4x4xf32>
    %20 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%18 : tensor<1x2x4x4xf16>) outs(%19 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f16, %out: f32):
      %39 = arith.extf %in : f16 to f32
      linalg.yield %39 : f32
    } -> tensor<1x2x4x4xf32>
    %21 = tensor.empty() : tensor<1x2x4xi64>
    %22 = linalg.fill ins(%c0_i64 : i64) outs(%21 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %23 = tensor.empty() : tensor<1x2x4xf32>
    %24 = linalg.fill ins(%cst_0 : f32) outs(%23 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %25:2 = linalg.generic {indexing_maps = [#map2, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%20 : tensor<1x2x4x4xf32>) outs(%24, %22 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_18: i64):
      %39 = linalg.index 3 : index
      %40 = arith.index_cast %39 : index to i64
      %41 = arith.maximumf %in, %out : f32
      %42 = arith.cmpf ogt, %in, %out : f32
      %43 = arith.select %42, %40, %out_18 : i64
      linalg.yield %41, %43 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_12 = tensor.expand_shape %25#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %26 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%20, %expanded_12 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%19 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %39 = arith.subf %in, %in_18 : f32
      linalg.yield %39 : f32
    } -> tensor<1x2x4x4xf32>
    %27 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%26 : tensor<1x2x4x4xf32>) outs(%19 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %39 = math.exp %in : f32
      linalg.yield %39 : f32
    } -> tensor<1x2x4x4xf32>
    %28 = tensor.empty() : tensor<1x2x4x1xf32>
    %29 = linalg.fill ins(%cst : f32) outs(%28 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %30 = linalg.generic {indexing_maps = [#map2, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%27 : tensor<1x2x4x4xf32>) outs(%29 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %39 = arith.addf %in, %out : f32
      linalg.yield %39 : f32
    } -> tensor<1x2x4x1xf32>
    %31 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%27, %30 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%19 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_18: f32, %out: f32):
      %39 = arith.divf %in, %in_18 : f32
      linalg.yield %39 : f32
    } -> tensor<1x2x4x4xf32>
    %32 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%31 : tensor<1x2x4x4xf32>) outs(%17 : tensor<1x2x4x4xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<1x2x4x4xf16>
    %collapsed_13 = tensor.collapse_shape %32 [[0, 1], [2], [3]] : tensor<1x2x4x4xf16> into tensor<2x4x4xf16>
    %collapsed_14 = tensor.collapse_shape %transposed_7 [[0, 1], [2], [3]] : tensor<1x2x4x8xf16> into tensor<2x4x8xf16>
    %33 = tensor.empty() : tensor<2x4x8xf32>
    %34 = linalg.fill ins(%cst : f32) outs(%33 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %35 = linalg.batch_matmul ins(%collapsed_13, %collapsed_14 : tensor<2x4x4xf16>, tensor<2x4x8xf16>) outs(%34 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %36 = tensor.empty() : tensor<2x4x8xf16>
    %37 = linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel", "parallel", "parallel"]} ins(%35 : tensor<2x4x8xf32>) outs(%36 : tensor<2x4x8xf16>) {
    ^bb0(%in: f32, %out: f16):
      %39 = arith.truncf %in : f32 to f16
      linalg.yield %39 : f16
    } -> tensor<2x4x8xf16>
    %expanded_15 = tensor.expand_shape %37 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf16> into tensor<1x2x4x8xf16>
    %38 = tensor.empty() : tensor<1x4x2x8xf16>
    %transposed_16 = linalg.transpose ins(%expanded_15 : tensor<1x2x4x8xf16>) outs(%38 : tensor<1x4x2x8xf16>) permutation = [0, 2, 1, 3] 
    %collapsed_17 = tensor.collapse_shape %transposed_16 [[0], [1], [2, 3]] : tensor<1x4x2x8xf16> into tensor<1x4x16xf16>
    return %collapsed_17 : tensor<1x4x16xf16>
  }
}
