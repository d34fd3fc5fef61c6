#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<1x4x16xf32>, %arg2: tensor<16x16xf32>, %arg3: tensor<16x16xf32>, %arg4: tensor<16x16xf32>) -> tensor<1x4x16xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 2.500000e-01 : f32
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg2 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_1 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %transposed_2 = linalg.transpose ins(%arg3 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %5 = linalg.matmul ins(%collapsed, %transposed_2 : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded_3 = tensor.expand_shape %5 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %transposed_4 = linalg.transpose ins(%arg4 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %6 = linalg.matmul ins(%collapsed, %transposed_4 : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded_5 = tensor.expand_shape %6 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %transposed_6 = linalg.transpose ins(%expanded_5 : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %7 = tensor.empty() : tensor<1x2x8x4xf32>
    %transposed_7 = linalg.transpose ins(%expanded_3 : tensor<1x4x2x8xf32>) outs(%7 : tensor<1x2x8x4xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_8 = tensor.collapse_shape %transposed_1 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_9 = tensor.collapse_shape %transposed_7 [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
    %8 = tensor.empty() : tensor<2x4x4xf32>
    %9 = linalg.fill ins(%cst : f32) outs(%8 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %10 = linalg.batch_matmul ins(%collapsed_8, %collapsed_9 : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%9 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %expanded_10 = tensor.expand_shape %10 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
    %11 = tensor.empty() : tensor<1x2x4x4xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_10 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %22 = arith.mulf %in, %cst_0 : f32
      linalg.yield %22 : f32
    } -> tensor<1x2x4x4xf32>
    %13 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%12 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %22 = math.exp %in : f32
      linalg.yield %22 : f32
    } -> tensor<1x2x4x4xf32>
    %14 = tensor.empty() : tensor<1x2x4x1xf32>
    %15 = linalg.fill ins(%cst : f32) outs(%14 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %16 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%13 : tensor<1x2x4x4xf32>) outs(%15 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %22 = arith.addf %in, %out : f32
      linalg.yield %22 : f32
    } -> tensor<1x2x4x1xf32>
    %17 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%13, %16 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_16: f32, %out: f32):
      %22 = arith.divf %in, %in_16 : f32
      linalg.yield %22 : f32
    } -> tensor<1x2x4x4xf32>
    %collapsed_11 = tensor.collapse_shape %17 [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
    %collapsed_12 = tensor.collapse_shape %transposed_6 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %18 = tensor.empty() : tensor<2x4x8xf32>
    %19 = linalg.fill ins(%cst : f32) outs(%18 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %20 = linalg.batch_matmul ins(%collapsed_11, %collapsed_12 : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%19 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_13 = tensor.expand_shape %20 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %21 = tensor.empty() : tensor<1x4x2x8xf32>
    %transposed_14 = linalg.transpose ins(%expanded_13 : tensor<1x2x4x8xf32>) outs(%21 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_15 = tensor.collapse_shape %transposed_14 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_15 : tensor<1x4x16xf32>
  }
}
