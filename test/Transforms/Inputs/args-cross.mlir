#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<1x6x24xf32>, %arg2: tensor<16x16xf32>, %arg3: tensor<16x24xf32>, %arg4: tensor<16x24xf32>) -> tensor<1x4x16xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %c0_i64 = arith.constant 0 : i64
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 2.8284271247461903 : f64
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg2 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_2 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %5 = tensor.empty() : tensor<24x16xf32>
    %transposed_3 = linalg.transpose ins(%arg3 : tensor<16x24xf32>) outs(%5 : tensor<24x16xf32>) permutation = [1, 0] 
    %collapsed_4 = tensor.collapse_shape %arg1 [[0, 1], [2]] : tensor<1x6x24xf32> into tensor<6x24xf32>
    %6 = tensor.empty() : tensor<6x16xf32>
    %7 = linalg.fill ins(%cst : f32) outs(%6 : tensor<6x16xf32>) -> tensor<6x16xf32>
    %8 = linalg.matmul ins(%collapsed_4, %transposed_3 : tensor<6x24xf32>, tensor<24x16xf32>) outs(%7 : tensor<6x16xf32>) -> tensor<6x16xf32>
    %expanded_5 = tensor.expand_shape %8 [[0, 1], [2, 3]] output_shape [1, 6, 2, 8] : tensor<6x16xf32> into tensor<1x6x2x8xf32>
    %transposed_6 = linalg.transpose ins(%arg4 : tensor<16x24xf32>) outs(%5 : tensor<24x16xf32>) permutation = [1, 0] 
    %9 = linalg.matmul ins(%collapsed_4, %transposed_6 : tensor<6x24xf32>, tensor<24x16xf32>) outs(%7 : tensor<6x16xf32>) -> tensor<6x16xf32>
    %expanded_7 = tensor.expand_shape %9 [[0, 1], [2, 3]] output_shape [1, 6, 2, 8] : tensor<6x16xf32> into tensor<1x6x2x8xf32>
    %10 = tensor.empty() : tensor<1x2x6x8xf32>
    %transposed_8 = linalg.transpose ins(%expanded_7 : tensor<1x6x2x8xf32>) outs(%10 : tensor<1x2x6x8xf32>) permutation = [0, 2, 1, 3] 
    %11 = tensor.empty() : tensor<1x2x8x6xf32>
    %transposed_9 = linalg.transpose ins(%expanded_5 : tensor<1x6x2x8xf32>) outs(%11 : tensor<1x2x8x6xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_10 = tensor.collapse_shape %transposed_2 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_11 = tensor.collapse_shape %transposed_9 [[0, 1], [2], [3]] : tensor<1x2x8x6xf32> into tensor<2x8x6xf32>
    %12 = tensor.empty() : tensor<2x4x6xf32>
    %13 = linalg.fill ins(%cst : f32) outs(%12 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
    %14 = linalg.batch_matmul ins(%collapsed_10, %collapsed_11 : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%13 : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
    %expanded_12 = tensor.expand_shape %14 [[0, 1], [2], [3]] output_shape [1, 2, 4, 6] : tensor<2x4x6xf32> into tensor<1x2x4x6xf32>
    %15 = tensor.empty() : tensor<1x2x4x6xf32>
    %16 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_12 : tensor<1x2x4x6xf32>) outs(%15 : tensor<1x2x4x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      %32 = arith.truncf %cst_1 : f64 to f32
      %33 = arith.divf %in, %32 : f32
      linalg.yield %33 : f32
    } -> tensor<1x2x4x6xf32>
    %17 = tensor.empty() : tensor<1x2x4xi64>
    %18 = linalg.fill ins(%c0_i64 : i64) outs(%17 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %19 = tensor.empty() : tensor<1x2x4xf32>
    %20 = linalg.fill ins(%cst_0 : f32) outs(%19 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %21:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%16 : tensor<1x2x4x6xf32>) outs(%20, %18 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_19: i64):
      %32 = linalg.index 3 : index
      %33 = arith.index_cast %32 : index to i64
      %34 = arith.maximumf %in, %out : f32
      %35 = arith.cmpf ogt, %in, %out : f32
      %36 = arith.select %35, %33, %out_19 : i64
      linalg.yield %34, %36 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_13 = tensor.expand_shape %21#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %22 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%16, %expanded_13 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%15 : tensor<1x2x4x6xf32>) {
    ^bb0(%in: f32, %in_19: f32, %out: f32):
      %32 = arith.subf %in, %in_19 : f32
      linalg.yield %32 : f32
    } -> tensor<1x2x4x6xf32>
    %23 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%22 : tensor<1x2x4x6xf32>) outs(%15 : tensor<1x2x4x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      %32 = math.exp %in : f32
      linalg.yield %32 : f32
    } -> tensor<1x2x4x6xf32>
    %24 = tensor.empty() : tensor<1x2x4x1xf32>
    %25 = linalg.fill ins(%cst : f32) outs(%24 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %26 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%23 : tensor<1x2x4x6xf32>) outs(%25 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %32 = arith.addf %in, %out : f32
      linalg.yield %32 : f32
    } -> tensor<1x2x4x1xf32>
    %27 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23, %26 : tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) outs(%15 : tensor<1x2x4x6xf32>) {
    ^bb0(%in: f32, %in_19: f32, %out: f32):
      %32 = arith.divf %in, %in_19 : f32
      linalg.yield %32 : f32
    } -> tensor<1x2x4x6xf32>
    %collapsed_14 = tensor.collapse_shape %27 [[0, 1], [2], [3]] : tensor<1x2x4x6xf32> into tensor<2x4x6xf32>
    %collapsed_15 = tensor.collapse_shape %transposed_8 [[0, 1], [2], [3]] : tensor<1x2x6x8xf32> into tensor<2x6x8xf32>
    %28 = tensor.empty() : tensor<2x4x8xf32>
    %29 = linalg.fill ins(%cst : f32) outs(%28 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %30 = linalg.batch_matmul ins(%collapsed_14, %collapsed_15 : tensor<2x4x6xf32>, tensor<2x6x8xf32>) outs(%29 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_16 = tensor.expand_shape %30 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %31 = tensor.empty() : tensor<1x4x2x8xf32>
    %transposed_17 = linalg.transpose ins(%expanded_16 : tensor<1x2x4x8xf32>) outs(%31 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_18 = tensor.collapse_shape %transposed_17 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_18 : tensor<1x4x16xf32>
  }
}
