#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map2 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#map3 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map5 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<16x16xf32>, %arg2: tensor<8x16xf32>, %arg3: tensor<8x16xf32>, %arg4: tensor<4x4xf32>, %arg5: tensor<4x4xf32>, %arg6: tensor<8xf32>, %arg7: tensor<8xf32>) -> tensor<1x4x16xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 0.35355339059327373 : f64
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<16x8xf32>
    %transposed_2 = linalg.transpose ins(%arg2 : tensor<8x16xf32>) outs(%4 : tensor<16x8xf32>) permutation = [1, 0] 
    %5 = tensor.empty() : tensor<4x8xf32>
    %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %7 = linalg.matmul ins(%collapsed, %transposed_2 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%6 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_3 = tensor.expand_shape %7 [[0, 1], [2, 3]] output_shape [1, 4, 1, 8] : tensor<4x8xf32> into tensor<1x4x1x8xf32>
    %transposed_4 = linalg.transpose ins(%arg3 : tensor<8x16xf32>) outs(%4 : tensor<16x8xf32>) permutation = [1, 0] 
    %8 = linalg.matmul ins(%collapsed, %transposed_4 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%6 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_5 = tensor.expand_shape %8 [[0, 1], [2, 3]] output_shape [1, 4, 1, 8] : tensor<4x8xf32> into tensor<1x4x1x8xf32>
    %9 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_6 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf32>) outs(%9 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %10 = tensor.empty() : tensor<1x1x4x8xf32>
    %transposed_7 = linalg.transpose ins(%expanded_3 : tensor<1x4x1x8xf32>) outs(%10 : tensor<1x1x4x8xf32>) permutation = [0, 2, 1, 3] 
    %transposed_8 = linalg.transpose ins(%expanded_5 : tensor<1x4x1x8xf32>) outs(%10 : tensor<1x1x4x8xf32>) permutation = [0, 2, 1, 3] 
    %extracted_slice = tensor.extract_slice %transposed_6[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
    %11 = tensor.empty() : tensor<1x2x4x4xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice, %arg4 : tensor<1x2x4x4xf32>, tensor<4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.mulf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %extracted_slice_9 = tensor.extract_slice %extracted_slice[0, 0, 0, 2] [1, 2, 4, 2] [1, 1, 1, 1] : tensor<1x2x4x4xf32> to tensor<1x2x4x2xf32>
    %13 = tensor.empty() : tensor<1x2x4x2xf32>
    %14 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice_9 : tensor<1x2x4x2xf32>) outs(%13 : tensor<1x2x4x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %46 = arith.negf %in : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x2xf32>
    %extracted_slice_10 = tensor.extract_slice %extracted_slice[0, 0, 0, 0] [1, 2, 4, 2] [1, 1, 1, 1] : tensor<1x2x4x4xf32> to tensor<1x2x4x2xf32>
    %concat = tensor.concat dim(3) %14, %extracted_slice_10 : (tensor<1x2x4x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x2x4x4xf32>
    %15 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%concat, %arg5 : tensor<1x2x4x4xf32>, tensor<4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.mulf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %16 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%12, %15 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.addf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %extracted_slice_11 = tensor.extract_slice %transposed_6[0, 0, 0, 4] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
    %concat_12 = tensor.concat dim(3) %16, %extracted_slice_11 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32>
    %extracted_slice_13 = tensor.extract_slice %transposed_7[0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x8xf32> to tensor<1x1x4x4xf32>
    %17 = tensor.empty() : tensor<1x1x4x4xf32>
    %18 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice_13, %arg4 : tensor<1x1x4x4xf32>, tensor<4x4xf32>) outs(%17 : tensor<1x1x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.mulf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x1x4x4xf32>
    %extracted_slice_14 = tensor.extract_slice %extracted_slice_13[0, 0, 0, 2] [1, 1, 4, 2] [1, 1, 1, 1] : tensor<1x1x4x4xf32> to tensor<1x1x4x2xf32>
    %19 = tensor.empty() : tensor<1x1x4x2xf32>
    %20 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice_14 : tensor<1x1x4x2xf32>) outs(%19 : tensor<1x1x4x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %46 = arith.negf %in : f32
      linalg.yield %46 : f32
    } -> tensor<1x1x4x2xf32>
    %extracted_slice_15 = tensor.extract_slice %extracted_slice_13[0, 0, 0, 0] [1, 1, 4, 2] [1, 1, 1, 1] : tensor<1x1x4x4xf32> to tensor<1x1x4x2xf32>
    %concat_16 = tensor.concat dim(3) %20, %extracted_slice_15 : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x4xf32>
    %21 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%concat_16, %arg5 : tensor<1x1x4x4xf32>, tensor<4x4xf32>) outs(%17 : tensor<1x1x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.mulf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x1x4x4xf32>
    %22 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%18, %21 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) outs(%17 : tensor<1x1x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.addf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x1x4x4xf32>
    %extracted_slice_17 = tensor.extract_slice %transposed_7[0, 0, 0, 4] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x8xf32> to tensor<1x1x4x4xf32>
    %concat_18 = tensor.concat dim(3) %22, %extracted_slice_17 : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x8xf32>
    %23 = tensor.empty() : tensor<1x1x2x4x8xf32>
    %24 = linalg.generic {indexing_maps = [#map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%concat_18 : tensor<1x1x4x8xf32>) outs(%23 : tensor<1x1x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x1x2x4x8xf32>
    %collapsed_19 = tensor.collapse_shape %24 [[0], [1, 2], [3], [4]] : tensor<1x1x2x4x8xf32> into tensor<1x2x4x8xf32>
    %25 = linalg.generic {indexing_maps = [#map2, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_8 : tensor<1x1x4x8xf32>) outs(%23 : tensor<1x1x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x1x2x4x8xf32>
    %26 = tensor.empty() : tensor<1x2x8x4xf32>
    %transposed_20 = linalg.transpose ins(%collapsed_19 : tensor<1x2x4x8xf32>) outs(%26 : tensor<1x2x8x4xf32>) permutation = [0, 1, 3, 2] 
    %collapsed_21 = tensor.collapse_shape %concat_12 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_22 = tensor.collapse_shape %transposed_20 [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
    %27 = tensor.empty() : tensor<2x4x4xf32>
    %28 = linalg.fill ins(%cst : f32) outs(%27 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %29 = linalg.batch_matmul ins(%collapsed_21, %collapsed_22 : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%28 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %expanded_23 = tensor.expand_shape %29 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
    %30 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_23 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %46 = arith.truncf %cst_1 : f64 to f32
      %47 = arith.mulf %in, %46 : f32
      linalg.yield %47 : f32
    } -> tensor<1x2x4x4xf32>
    %31 = tensor.empty() : tensor<1x2x4xi64>
    %32 = linalg.fill ins(%c0_i64 : i64) outs(%31 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %33 = tensor.empty() : tensor<1x2x4xf32>
    %34 = linalg.fill ins(%cst_0 : f32) outs(%33 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %35:2 = linalg.generic {indexing_maps = [#map, #map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%30 : tensor<1x2x4x4xf32>) outs(%34, %32 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_30: i64):
      %46 = linalg.index 3 : index
      %47 = arith.index_cast %46 : index to i64
      %48 = arith.maximumf %in, %out : f32
      %49 = arith.cmpf ogt, %in, %out : f32
      %50 = arith.select %49, %47, %out_30 : i64
      linalg.yield %48, %50 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_24 = tensor.expand_shape %35#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %36 = linalg.generic {indexing_maps = [#map, #map5, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%30, %expanded_24 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.subf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %37 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%36 : tensor<1x2x4x4xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %46 = math.exp %in : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %38 = tensor.empty() : tensor<1x2x4x1xf32>
    %39 = linalg.fill ins(%cst : f32) outs(%38 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %40 = linalg.generic {indexing_maps = [#map, #map5], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%37 : tensor<1x2x4x4xf32>) outs(%39 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %46 = arith.addf %in, %out : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x1xf32>
    %41 = linalg.generic {indexing_maps = [#map, #map5, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37, %40 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%11 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_30: f32, %out: f32):
      %46 = arith.divf %in, %in_30 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x4xf32>
    %collapsed_25 = tensor.collapse_shape %41 [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
    %collapsed_26 = tensor.collapse_shape %25 [[0, 1, 2], [3], [4]] : tensor<1x1x2x4x8xf32> into tensor<2x4x8xf32>
    %42 = tensor.empty() : tensor<2x4x8xf32>
    %43 = linalg.fill ins(%cst : f32) outs(%42 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %44 = linalg.batch_matmul ins(%collapsed_25, %collapsed_26 : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%43 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_27 = tensor.expand_shape %44 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %45 = tensor.empty() : tensor<1x4x2x8xf32>
    %transposed_28 = linalg.transpose ins(%expanded_27 : tensor<1x2x4x8xf32>) outs(%45 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_29 = tensor.collapse_shape %transposed_28 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_29 : tensor<1x4x16xf32>
  }
}
