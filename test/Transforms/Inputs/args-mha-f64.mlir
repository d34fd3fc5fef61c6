#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf64>, %arg1: tensor<16x16xf64>, %arg2: tensor<16x16xf64>, %arg3: tensor<16x16xf64>) -> tensor<1x4x16xf64> {
    %cst = arith.constant 0.000000e+00 : f64
    %c0_i64 = arith.constant 0 : i64
    %cst_0 = arith.constant 0xFFF0000000000000 : f64
    %cst_1 = arith.constant 0.35355339059327373 : f64
    %0 = tensor.empty() : tensor<16x16xf64>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf64>) outs(%0 : tensor<16x16xf64>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf64> into tensor<4x16xf64>
    %1 = tensor.empty() : tensor<4x16xf64>
    %2 = linalg.fill ins(%cst : f64) outs(%1 : tensor<4x16xf64>) -> tensor<4x16xf64>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf64>, tensor<16x16xf64>) outs(%2 : tensor<4x16xf64>) -> tensor<4x16xf64>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf64> into tensor<1x4x2x8xf64>
    %4 = tensor.empty() : tensor<1x2x4x8xf64>
    %transposed_2 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf64>) outs(%4 : tensor<1x2x4x8xf64>) permutation = [0, 2, 1, 3] 
    %transposed_3 = linalg.transpose ins(%arg2 : tensor<16x16xf64>) outs(%0 : tensor<16x16xf64>) permutation = [1, 0] 
    %5 = linalg.matmul ins(%collapsed, %transposed_3 : tensor<4x16xf64>, tensor<16x16xf64>) outs(%2 : tensor<4x16xf64>) -> tensor<4x16xf64>
    %expanded_4 = tensor.expand_shape %5 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf64> into tensor<1x4x2x8xf64>
    %transposed_5 = linalg.transpose ins(%arg3 : tensor<16x16xf64>) outs(%0 : tensor<16x16xf64>) permutation = [1, 0] 
    %6 = linalg.matmul ins(%collapsed, %transposed_5 : tensor<4x16xf64>, tensor<16x16xf64>) outs(%2 : tensor<4x16xf64>) -> tensor<4x16xf64>
    %expanded_6 = tensor.expand_shape %6 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf64> into tensor<1x4x2x8xf64>
    %transposed_7 = linalg.transpose ins(%expanded_6 : tensor<1x4x2x8xf64>) outs(%4 : tensor<1x2x4x8xf64>) permutation = [0, 2, 1, 3] 
    %7 = tensor.empty() : tensor<1x2x8x4xf64>
    %transposed_8 = linalg.transpose ins(%expanded_4 : tensor<1x4x2x8xf64>) outs(%7 : tensor<1x2x8x4xf64>) permutation = [0, 2, 3, 1] 
    %collapsed_9 = tensor.collapse_shape %transposed_2 [[0, 1], [2], [3]] : tensor<1x2x4x8xf64> into tensor<2x4x8xf64>
    %collapsed_10 = tensor.collapse_shape %transposed_8 [[0, 1], [2], [3]] : tensor<1x2x8x4xf64> into tensor<2x8x4xf64>
    %8 = tensor.empty() : tensor<2x4x4xf64>
    %9 = linalg.fill ins(%cst : f64) outs(%8 : tensor<2x4x4xf64>) -> tensor<2x4x4xf64>
    %10 = linalg.batch_matmul ins(%collapsed_9, %collapsed_10 : tensor<2x4x8xf64>, tensor<2x8x4xf64>) outs(%9 : tensor<2x4x4xf64>) -> tensor<2x4x4xf64>
    %expanded_11 = tensor.expand_shape %10 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf64> into tensor<1x2x4x4xf64>
    %11 = tensor.empty() : tensor<1x2x4x4xf64>
    %12 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_11 : tensor<1x2x4x4xf64>) outs(%11 : tensor<1x2x4x4xf64>) {
    ^bb0(%in: f64, %out: f64):
      %28 = arith.mulf %in, %cst_1 : f64
      linalg.yield %28 : f64
    } -> tensor<1x2x4x4xf64>
    %13 = tensor.empty() : tensor<1x2x4xi64>
    %14 = linalg.fill ins(%c0_i64 : i64) outs(%13 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %15 = tensor.empty() : tensor<1x2x4xf64>
    %16 = linalg.fill ins(%cst_0 : f64) outs(%15 : tensor<1x2x4xf64>) -> tensor<1x2x4xf64>
    %17:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%12 : tensor<1x2x4x4xf64>) outs(%16, %14 : tensor<1x2x4xf64>, tensor<1x2x4xi64>) {
    ^bb0(%in: f64, %out: f64, %out_18: i64):
      %28 = linalg.index 3 : index
      %29 = arith.index_cast %28 : index to i64
      %30 = arith.maximumf %in, %out : f64
      %31 = arith.cmpf ogt, %in, %out : f64
      %32 = arith.select %31, %29, %out_18 : i64
      linalg.yield %30, %32 : f64, i64
    } -> (tensor<1x2x4xf64>, tensor<1x2x4xi64>)
    %expanded_12 = tensor.expand_shape %17#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf64> into tensor<1x2x4x1xf64>
    %18 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%12, %expanded_12 : tensor<1x2x4x4xf64>, tensor<1x2x4x1xf64>) outs(%11 : tensor<1x2x4x4xf64>) {
    ^bb0(%in: f64, %in_18: f64, %out: f64):
      %28 = arith.subf %in, %in_18 : f64
      linalg.yield %28 : f64
    } -> tensor<1x2x4x4xf64>
    %19 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%18 : tensor<1x2x4x4xf64>) outs(%11 : tensor<1x2x4x4xf64>) {
    ^bb0(%in: f64, %out: f64):
      %28 = math.exp %in : f64
      linalg.yield %28 : f64
    } -> tensor<1x2x4x4xf64>
    %20 = tensor.empty() : tensor<1x2x4x1xf64>
    %21 = linalg.fill ins(%cst : f64) outs(%20 : tensor<1x2x4x1xf64>) -> tensor<1x2x4x1xf64>
    %22 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%19 : tensor<1x2x4x4xf64>) outs(%21 : tensor<1x2x4x1xf64>) {
    ^bb0(%in: f64, %out: f64):
      %28 = arith.addf %in, %out : f64
      linalg.yield %28 : f64
    } -> tensor<1x2x4x1xf64>
    %23 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%19, %22 : tensor<1x2x4x4xf64>, tensor<1x2x4x1xf64>) outs(%11 : tensor<1x2x4x4xf64>) {
    ^bb0(%in: f64, %in_18: f64, %out: f64):
      %28 = arith.divf %in, %in_18 : f64
      linalg.yield %28 : f64
    } -> tensor<1x2x4x4xf64>
    %collapsed_13 = tensor.collapse_shape %23 [[0, 1], [2], [3]] : tensor<1x2x4x4xf64> into tensor<2x4x4xf64>
    %collapsed_14 = tensor.collapse_shape %transposed_7 [[0, 1], [2], [3]] : tensor<1x2x4x8xf64> into tensor<2x4x8xf64>
    %24 = tensor.empty() : tensor<2x4x8xf64>
    %25 = linalg.fill ins(%cst : f64) outs(%24 : tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
    %26 = linalg.batch_matmul ins(%collapsed_13, %collapsed_14 : tensor<2x4x4xf64>, tensor<2x4x8xf64>) outs(%25 : tensor<2x4x8xf64>) -> tensor<2x4x8xf64>
    %expanded_15 = tensor.expand_shape %26 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf64> into tensor<1x2x4x8xf64>
    %27 = tensor.empty() : tensor<1x4x2x8xf64>
    %transposed_16 = linalg.transpose ins(%expanded_15 : tensor<1x2x4x8xf64>) outs(%27 : tensor<1x4x2x8xf64>) permutation = [0, 2, 1, 3] 
    %collapsed_17 = tensor.collapse_shape %transposed_16 [[0], [1], [2, 3]] : tensor<1x4x2x8xf64> into tensor<1x4x16xf64>
    return %collapsed_17 : tensor<1x4x16xf64>
  }
}
