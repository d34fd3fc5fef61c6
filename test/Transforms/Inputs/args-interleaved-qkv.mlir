#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<48x16xf32>) -> tensor<1x4x16xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 0.35355339059327373 : f64
    %0 = tensor.empty() : tensor<16x48xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<48x16xf32>) outs(%0 : tensor<16x48xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x48xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x48xf32>) -> tensor<4x48xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x48xf32>) outs(%2 : tensor<4x48xf32>) -> tensor<4x48xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 24] : tensor<4x48xf32> into tensor<1x4x2x24xf32>
    %extracted_slice = tensor.extract_slice %expanded[0, 0, 0, 0] [1, 4, 2, 8] [1, 1, 1, 1] : tensor<1x4x2x24xf32> to tensor<1x4x2x8xf32>
    %extracted_slice_2 = tensor.extract_slice %expanded[0, 0, 0, 8] [1, 4, 2, 8] [1, 1, 1, 1] : tensor<1x4x2x24xf32> to tensor<1x4x2x8xf32>
    %extracted_slice_3 = tensor.extract_slice %expanded[0, 0, 0, 16] [1, 4, 2, 8] [1, 1, 1, 1] : tensor<1x4x2x24xf32> to tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_4 = linalg.transpose ins(%extracted_slice : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %transposed_5 = linalg.transpose ins(%extracted_slice_3 : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %5 = tensor.empty() : tensor<1x2x8x4xf32>
    %transposed_6 = linalg.transpose ins(%extracted_slice_2 : tensor<1x4x2x8xf32>) outs(%5 : tensor<1x2x8x4xf32>) permutation = [0, 2, 3, 1] 
    %collapsed_7 = tensor.collapse_shape %transposed_4 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_8 = tensor.collapse_shape %transposed_6 [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
    %6 = tensor.empty() : tensor<2x4x4xf32>
    %7 = linalg.fill ins(%cst : f32) outs(%6 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %8 = linalg.batch_matmul ins(%collapsed_7, %collapsed_8 : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%7 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %expanded_9 = tensor.expand_shape %8 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
    %9 = tensor.empty() : tensor<1x2x4x4xf32>
    %10 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_9 : tensor<1x2x4x4xf32>) outs(%9 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %26 = arith.truncf %cst_1 : f64 to f32
      %27 = arith.mulf %in, %26 : f32
      linalg.yield %27 : f32
    } -> tensor<1x2x4x4xf32>
    %11 = tensor.empty() : tensor<1x2x4xi64>
    %12 = linalg.fill ins(%c0_i64 : i64) outs(%11 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %13 = tensor.empty() : tensor<1x2x4xf32>
    %14 = linalg.fill ins(%cst_0 : f32) outs(%13 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %15:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%10 : tensor<1x2x4x4xf32>) outs(%14, %12 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_16: i64):
      %26 = linalg.index 3 : index
      %27 = arith.index_cast %26 : index to i64
      %28 = arith.maximumf %in, %out : f32
      %29 = arith.cmpf ogt, %in, %out : f32
      %30 = arith.select %29, %27, %out_16 : i64
      linalg.yield %28, %30 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_10 = tensor.expand_shape %15#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %16 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%10, %expanded_10 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%9 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_16: f32, %out: f32):
      %26 = arith.subf %in, %in_16 : f32
      linalg.yield %26 : f32
    } -> tensor<1x2x4x4xf32>
    %17 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%16 : tensor<1x2x4x4xf32>) outs(%9 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %26 = math.exp %in : f32
      linalg.yield %26 : f32
    } -> tensor<1x2x4x4xf32>
    %18 = tensor.empty() : tensor<1x2x4x1xf32>
    %19 = linalg.fill ins(%cst : f32) outs(%18 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %20 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%17 : tensor<1x2x4x4xf32>) outs(%19 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %26 = arith.addf %in, %out : f32
      linalg.yield %26 : f32
    } -> tensor<1x2x4x1xf32>
    %21 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%17, %20 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%9 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_16: f32, %out: f32):
      %26 = arith.divf %in, %in_16 : f32
      linalg.yield %26 : f32
    } -> tensor<1x2x4x4xf32>
    %collapsed_11 = tensor.collapse_shape %21 [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
    %collapsed_12 = tensor.collapse_shape %transposed_5 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %22 = tensor.empty() : tensor<2x4x8xf32>
    %23 = linalg.fill ins(%cst : f32) outs(%22 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %24 = linalg.batch_matmul ins(%collapsed_11, %collapsed_12 : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%23 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_13 = tensor.expand_shape %24 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %25 = tensor.empty() : tensor<1x4x2x8xf32>
    %transposed_14 = linalg.transpose ins(%expanded_13 : tensor<1x2x4x8xf32>) outs(%25 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_15 = tensor.collapse_shape %transposed_14 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_15 : tensor<1x4x16xf32>
  }
}
