#map = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#map1 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<16x16xf32>, %arg2: tensor<8x16xf32>, %arg3: tensor<8x16xf32>) -> tensor<1x4x16xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %c0_i64 = arith.constant 0 : i64
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 5.000000e-01 : f32
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 4, 4] : tensor<4x16xf32> into tensor<1x4x4x4xf32>
    %4 = tensor.empty() : tensor<1x4x4x4xf32>
    %transposed_2 = linalg.transpose ins(%expanded : tensor<1x4x4x4xf32>) outs(%4 : tensor<1x4x4x4xf32>) permutation = [0, 2, 1, 3] 
    %5 = tensor.empty() : tensor<16x8xf32>
    %transposed_3 = linalg.transpose ins(%arg2 : tensor<8x16xf32>) outs(%5 : tensor<16x8xf32>) permutation = [1, 0] 
    %6 = tensor.empty() : tensor<4x8xf32>
    %7 = linalg.fill ins(%cst : f32) outs(%6 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %8 = linalg.matmul ins(%collapsed, %transposed_3 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%7 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_4 = tensor.expand_shape %8 [[0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
    %9 = tensor.empty() : tensor<1x2x4x4xf32>
    %transposed_5 = linalg.transpose ins(%expanded_4 : tensor<1x4x2x4xf32>) outs(%9 : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3] 
    %transposed_6 = linalg.transpose ins(%arg3 : tensor<8x16xf32>) outs(%5 : tensor<16x8xf32>) permutation = [1, 0] 
    %10 = linalg.matmul ins(%collapsed, %transposed_6 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%7 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_7 = tensor.expand_shape %10 [[0, 1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<4x8xf32> into tensor<1x4x2x4xf32>
    %transposed_8 = linalg.transpose ins(%expanded_7 : tensor<1x4x2x4xf32>) outs(%9 : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3] 
    %11 = tensor.empty() : tensor<1x2x2x4x4xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_5 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x2x2x4x4xf32>
    %collapsed_9 = tensor.collapse_shape %12 [[0], [1, 2], [3], [4]] : tensor<1x2x2x4x4xf32> into tensor<1x4x4x4xf32>
    %13 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_8 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x2x2x4x4xf32>
    %transposed_10 = linalg.transpose ins(%collapsed_9 : tensor<1x4x4x4xf32>) outs(%4 : tensor<1x4x4x4xf32>) permutation = [0, 1, 3, 2] 
    %collapsed_11 = tensor.collapse_shape %transposed_2 [[0, 1], [2], [3]] : tensor<1x4x4x4xf32> into tensor<4x4x4xf32>
    %collapsed_12 = tensor.collapse_shape %transposed_10 [[0, 1], [2], [3]] : tensor<1x4x4x4xf32> into tensor<4x4x4xf32>
    %14 = tensor.empty() : tensor<4x4x4xf32>
    %15 = linalg.fill ins(%cst : f32) outs(%14 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %16 = linalg.batch_matmul ins(%collapsed_11, %collapsed_12 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%15 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %expanded_13 = tensor.expand_shape %16 [[0, 1], [2], [3]] output_shape [1, 4, 4, 4] : tensor<4x4x4xf32> into tensor<1x4x4x4xf32>
    %17 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_13 : tensor<1x4x4x4xf32>) outs(%4 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %30 = arith.mulf %in, %cst_1 : f32
      linalg.yield %30 : f32
    } -> tensor<1x4x4x4xf32>
    %18 = tensor.empty() : tensor<1x4x4xi64>
    %19 = linalg.fill ins(%c0_i64 : i64) outs(%18 : tensor<1x4x4xi64>) -> tensor<1x4x4xi64>
    %20 = tensor.empty() : tensor<1x4x4xf32>
    %21 = linalg.fill ins(%cst_0 : f32) outs(%20 : tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
    %22:2 = linalg.generic {indexing_maps = [#map2, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%17 : tensor<1x4x4x4xf32>) outs(%21, %19 : tensor<1x4x4xf32>, tensor<1x4x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_20: i64):
      %30 = linalg.index 3 : index
      %31 = arith.index_cast %30 : index to i64
      %32 = arith.maximumf %in, %out : f32
      %33 = arith.cmpf ogt, %in, %out : f32
      %34 = arith.select %33, %31, %out_20 : i64
      linalg.yield %32, %34 : f32, i64
    } -> (tensor<1x4x4xf32>, tensor<1x4x4xi64>)
    %expanded_14 = tensor.expand_shape %22#0 [[0], [1], [2, 3]] output_shape [1, 4, 4, 1] : tensor<1x4x4xf32> into tensor<1x4x4x1xf32>
    %23 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%17, %expanded_14 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%4 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %in_20: f32, %out: f32):
      %30 = arith.subf %in, %in_20 : f32
      linalg.yield %30 : f32
    } -> tensor<1x4x4x4xf32>
    %24 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<1x4x4x4xf32>) outs(%4 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %30 = math.exp %in : f32
      linalg.yield %30 : f32
    } -> tensor<1x4x4x4xf32>
    %25 = tensor.empty() : tensor<1x4x4x1xf32>
    %26 = linalg.fill ins(%cst : f32) outs(%25 : tensor<1x4x4x1xf32>) -> tensor<1x4x4x1xf32>
    %27 = linalg.generic {indexing_maps = [#map2, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%24 : tensor<1x4x4x4xf32>) outs(%26 : tensor<1x4x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %30 = arith.addf %in, %out : f32
      linalg.yield %30 : f32
    } -> tensor<1x4x4x1xf32>
    %28 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%24, %27 : tensor<1x4x4x4xf32>, tensor<1x4x4x1xf32>) outs(%4 : tensor<1x4x4x4xf32>) {
    ^bb0(%in: f32, %in_20: f32, %out: f32):
      %30 = arith.divf %in, %in_20 : f32
      linalg.yield %30 : f32
    } -> tensor<1x4x4x4xf32>
    %collapsed_15 = tensor.collapse_shape %28 [[0, 1], [2], [3]] : tensor<1x4x4x4xf32> into tensor<4x4x4xf32>
    %collapsed_16 = tensor.collapse_shape %13 [[0, 1, 2], [3], [4]] : tensor<1x2x2x4x4xf32> into tensor<4x4x4xf32>
    %29 = linalg.batch_matmul ins(%collapsed_15, %collapsed_16 : tensor<4x4x4xf32>, tensor<4x4x4xf32>) outs(%15 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %expanded_17 = tensor.expand_shape %29 [[0, 1], [2], [3]] output_shape [1, 4, 4, 4] : tensor<4x4x4xf32> into tensor<1x4x4x4xf32>
    %transposed_18 = linalg.transpose ins(%expanded_17 : tensor<1x4x4x4xf32>) outs(%4 : tensor<1x4x4x4xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_19 = tensor.collapse_shape %transposed_18 [[0], [1], [2, 3]] : tensor<1x4x4x4xf32> into tensor<1x4x16xf32>
    return %collapsed_19 : tensor<1x4x16xf32>
  }
}
