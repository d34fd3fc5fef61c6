#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0) -> (d0)>
#map2 = affine_map<(d0, d1) -> (0, d1)>
#map3 = affine_map<(d0, d1) -> (d0, 0)>
#map4 = affine_map<(d0, d1) -> (d0, d1)>
#map5 = affine_map<(d0, d1) -> ()>
#map6 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map7 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map8 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<16x16xf32>, %arg2: tensor<16x16xf32>, %arg3: tensor<16x16xf32>) -> tensor<1x4x16xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %true = arith.constant true
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1x2x4x4xf32>
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
    %cst_3 = arith.constant dense<0xFF800000> : tensor<f32>
    %cst_4 = arith.constant dense<true> : tensor<4x4xi1>
    %cst_5 = arith.constant 0xFFF0000000000000 : f64
    %cst_6 = arith.constant 0.59460355750136051 : f64
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_7 = linalg.transpose ins(%expanded : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %transposed_8 = linalg.transpose ins(%arg2 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %5 = linalg.matmul ins(%collapsed, %transposed_8 : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded_9 = tensor.expand_shape %5 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %transposed_10 = linalg.transpose ins(%arg3 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %6 = linalg.matmul ins(%collapsed, %transposed_10 : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded_11 = tensor.expand_shape %6 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %transposed_12 = linalg.transpose ins(%expanded_11 : tensor<1x4x2x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %7 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_7 : tensor<1x2x4x8xf32>) outs(%4 : tensor<1x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.truncf %cst_6 : f64 to f32
      %46 = arith.mulf %in, %45 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x4x8xf32>
    %8 = tensor.empty() : tensor<4xi64>
    %9 = linalg.generic {indexing_maps = [#map1], iterator_types = ["parallel"]} outs(%8 : tensor<4xi64>) {
    ^bb0(%out: i64):
      %45 = linalg.index 0 : index
      %46 = arith.index_cast %45 : index to i64
      linalg.yield %46 : i64
    } -> tensor<4xi64>
    %expanded_13 = tensor.expand_shape %9 [[0, 1]] output_shape [1, 4] : tensor<4xi64> into tensor<1x4xi64>
    %expanded_14 = tensor.expand_shape %9 [[0, 1]] output_shape [4, 1] : tensor<4xi64> into tensor<4x1xi64>
    %10 = tensor.empty() : tensor<4x4xi64>
    %11 = linalg.generic {indexing_maps = [#map2, #map3, #map4], iterator_types = ["parallel", "parallel"]} ins(%expanded_13, %expanded_14 : tensor<1x4xi64>, tensor<4x1xi64>) outs(%10 : tensor<4x4xi64>) {
    ^bb0(%in: i64, %in_25: i64, %out: i64):
      %45 = arith.subi %in, %in_25 : i64
      linalg.yield %45 : i64
    } -> tensor<4x4xi64>
    %12 = tensor.empty() : tensor<4x4xi1>
    %13 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%11 : tensor<4x4xi64>) outs(%12 : tensor<4x4xi1>) {
    ^bb0(%in: i64, %out: i1):
      %45 = arith.cmpi sle, %in, %c0_i64 : i64
      linalg.yield %45 : i1
    } -> tensor<4x4xi1>
    %14 = linalg.generic {indexing_maps = [#map4, #map4, #map4], iterator_types = ["parallel", "parallel"]} ins(%13, %cst_4 : tensor<4x4xi1>, tensor<4x4xi1>) outs(%12 : tensor<4x4xi1>) {
    ^bb0(%in: i1, %in_25: i1, %out: i1):
      %45 = arith.andi %in, %in_25 : i1
      linalg.yield %45 : i1
    } -> tensor<4x4xi1>
    %15 = tensor.empty() : tensor<4x4xf32>
    %16 = linalg.generic {indexing_maps = [#map4, #map5, #map5, #map4], iterator_types = ["parallel", "parallel"]} ins(%14, %cst_2, %cst_3 : tensor<4x4xi1>, tensor<f32>, tensor<f32>) outs(%15 : tensor<4x4xf32>) {
    ^bb0(%in: i1, %in_25: f32, %in_26: f32, %out: f32):
      %45 = arith.select %in, %in_25, %in_26 : f32
      linalg.yield %45 : f32
    } -> tensor<4x4xf32>
    %17 = tensor.empty() : tensor<1x2x8x4xf32>
    %transposed_15 = linalg.transpose ins(%expanded_9 : tensor<1x4x2x8xf32>) outs(%17 : tensor<1x2x8x4xf32>) permutation = [0, 2, 3, 1] 
    %18 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_15 : tensor<1x2x8x4xf32>) outs(%17 : tensor<1x2x8x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.truncf %cst_6 : f64 to f32
      %46 = arith.mulf %in, %45 : f32
      linalg.yield %46 : f32
    } -> tensor<1x2x8x4xf32>
    %collapsed_16 = tensor.collapse_shape %7 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_17 = tensor.collapse_shape %18 [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
    %19 = tensor.empty() : tensor<2x4x4xf32>
    %20 = linalg.fill ins(%cst : f32) outs(%19 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %21 = linalg.batch_matmul ins(%collapsed_16, %collapsed_17 : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%20 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %expanded_18 = tensor.expand_shape %21 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
    %22 = tensor.empty() : tensor<1x2x4x4xf32>
    %23 = linalg.generic {indexing_maps = [#map, #map6, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_18, %16 : tensor<1x2x4x4xf32>, tensor<4x4xf32>) outs(%22 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_25: f32, %out: f32):
      %45 = arith.addf %in, %in_25 : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x4xf32>
    %24 = tensor.empty() : tensor<1x2x4xi64>
    %25 = linalg.fill ins(%c0_i64 : i64) outs(%24 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %26 = tensor.empty() : tensor<1x2x4xf32>
    %27 = linalg.fill ins(%cst_0 : f32) outs(%26 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %28:2 = linalg.generic {indexing_maps = [#map, #map7, #map7], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%23 : tensor<1x2x4x4xf32>) outs(%27, %25 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_25: i64):
      %45 = linalg.index 3 : index
      %46 = arith.index_cast %45 : index to i64
      %47 = arith.maximumf %in, %out : f32
      %48 = arith.cmpf ogt, %in, %out : f32
      %49 = arith.select %48, %46, %out_25 : i64
      linalg.yield %47, %49 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_19 = tensor.expand_shape %28#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %29 = linalg.generic {indexing_maps = [#map, #map8, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23, %expanded_19 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%22 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_25: f32, %out: f32):
      %45 = arith.subf %in, %in_25 : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x4xf32>
    %30 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%29 : tensor<1x2x4x4xf32>) outs(%22 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = math.exp %in : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x4xf32>
    %31 = tensor.empty() : tensor<1x2x4x1xf32>
    %32 = linalg.fill ins(%cst : f32) outs(%31 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %33 = linalg.generic {indexing_maps = [#map, #map8], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%30 : tensor<1x2x4x4xf32>) outs(%32 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.addf %in, %out : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x1xf32>
    %34 = linalg.generic {indexing_maps = [#map, #map8, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%30, %33 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%22 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_25: f32, %out: f32):
      %45 = arith.divf %in, %in_25 : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x4xf32>
    %35 = tensor.empty() : tensor<1x2x4x4xi1>
    %36 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<1x2x4x4xf32>) outs(%35 : tensor<1x2x4x4xi1>) {
    ^bb0(%in: f32, %out: i1):
      %45 = arith.extf %in : f32 to f64
      %46 = arith.cmpf oeq, %45, %cst_5 : f64
      linalg.yield %46 : i1
    } -> tensor<1x2x4x4xi1>
    %37 = tensor.empty() : tensor<1x2x4x1xi1>
    %38 = linalg.fill ins(%true : i1) outs(%37 : tensor<1x2x4x1xi1>) -> tensor<1x2x4x1xi1>
    %39 = linalg.generic {indexing_maps = [#map, #map8], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%36 : tensor<1x2x4x4xi1>) outs(%38 : tensor<1x2x4x1xi1>) {
    ^bb0(%in: i1, %out: i1):
      %45 = arith.andi %in, %out : i1
      linalg.yield %45 : i1
    } -> tensor<1x2x4x1xi1>
    %40 = linalg.generic {indexing_maps = [#map8, #map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%39, %cst_1, %34 : tensor<1x2x4x1xi1>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) outs(%22 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: i1, %in_25: f32, %in_26: f32, %out: f32):
      %45 = arith.select %in, %in_25, %in_26 : f32
      linalg.yield %45 : f32
    } -> tensor<1x2x4x4xf32>
    %collapsed_20 = tensor.collapse_shape %40 [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
    %collapsed_21 = tensor.collapse_shape %transposed_12 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %41 = tensor.empty() : tensor<2x4x8xf32>
    %42 = linalg.fill ins(%cst : f32) outs(%41 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %43 = linalg.batch_matmul ins(%collapsed_20, %collapsed_21 : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%42 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_22 = tensor.expand_shape %43 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %44 = tensor.empty() : tensor<1x4x2x8xf32>
    %transposed_23 = linalg.transpose ins(%expanded_22 : tensor<1x2x4x8xf32>) outs(%44 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_24 = tensor.collapse_shape %transposed_23 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_24 : tensor<1x4x16xf32>
  }
}
