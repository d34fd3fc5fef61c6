#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d3)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map4 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#map6 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<16x16xf32>, %arg2: tensor<8x16xf32>, %arg3: tensor<8x16xf32>, %arg4: tensor<4x8xf32>, %arg5: tensor<4x8xf32>, %arg6: tensor<8xf32>, %arg7: tensor<8xf32>) -> tensor<1x4x16xf32> {
    %c2_i64 = arith.constant 2 : i64
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %cst_1 = arith.constant 0.35355339059327373 : f64
    %cst_2 = arith.constant 9.9999999999999995E-7 : f64
    %cst_3 = arith.constant 8.000000e+00 : f32
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%arg1 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<1x4x16xf32> into tensor<4x16xf32>
    %1 = tensor.empty() : tensor<4x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<4x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<4x16xf32>) -> tensor<4x16xf32>
    %expanded = tensor.expand_shape %3 [[0, 1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<4x16xf32> into tensor<1x4x2x8xf32>
    %4 = tensor.empty() : tensor<16x8xf32>
    %transposed_4 = linalg.transpose ins(%arg2 : tensor<8x16xf32>) outs(%4 : tensor<16x8xf32>) permutation = [1, 0] 
    %5 = tensor.empty() : tensor<4x8xf32>
    %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %7 = linalg.matmul ins(%collapsed, %transposed_4 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%6 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_5 = tensor.expand_shape %7 [[0, 1], [2, 3]] output_shape [1, 4, 1, 8] : tensor<4x8xf32> into tensor<1x4x1x8xf32>
    %transposed_6 = linalg.transpose ins(%arg3 : tensor<8x16xf32>) outs(%4 : tensor<16x8xf32>) permutation = [1, 0] 
    %8 = linalg.matmul ins(%collapsed, %transposed_6 : tensor<4x16xf32>, tensor<16x8xf32>) outs(%6 : tensor<4x8xf32>) -> tensor<4x8xf32>
    %expanded_7 = tensor.expand_shape %8 [[0, 1], [2, 3]] output_shape [1, 4, 1, 8] : tensor<4x8xf32> into tensor<1x4x1x8xf32>
    %9 = tensor.empty() : tensor<1x4x2x8xf32>
    %10 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded : tensor<1x4x2x8xf32>) outs(%9 : tensor<1x4x2x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = math.fpowi %in, %c2_i64 : f32, i64
      linalg.yield %63 : f32
    } -> tensor<1x4x2x8xf32>
    %11 = tensor.empty() : tensor<1x4x2x1xf32>
    %12 = linalg.fill ins(%cst : f32) outs(%11 : tensor<1x4x2x1xf32>) -> tensor<1x4x2x1xf32>
    %13 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%10 : tensor<1x4x2x8xf32>) outs(%12 : tensor<1x4x2x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.addf %in, %out : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x2x1xf32>
    %14 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%13 : tensor<1x4x2x1xf32>) outs(%11 : tensor<1x4x2x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.divf %in, %cst_3 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x2x1xf32>
    %15 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%14 : tensor<1x4x2x1xf32>) outs(%11 : tensor<1x4x2x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.truncf %cst_2 : f64 to f32
      %64 = arith.addf %in, %63 : f32
      linalg.yield %64 : f32
    } -> tensor<1x4x2x1xf32>
    %16 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%15 : tensor<1x4x2x1xf32>) outs(%11 : tensor<1x4x2x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = math.rsqrt %in : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x2x1xf32>
    %17 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded, %16 : tensor<1x4x2x8xf32>, tensor<1x4x2x1xf32>) outs(%9 : tensor<1x4x2x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x2x8xf32>
    %18 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%17, %arg6 : tensor<1x4x2x8xf32>, tensor<8xf32>) outs(%9 : tensor<1x4x2x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x2x8xf32>
    %19 = tensor.empty() : tensor<1x4x1x8xf32>
    %20 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_5 : tensor<1x4x1x8xf32>) outs(%19 : tensor<1x4x1x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = math.fpowi %in, %c2_i64 : f32, i64
      linalg.yield %63 : f32
    } -> tensor<1x4x1x8xf32>
    %21 = tensor.empty() : tensor<1x4x1x1xf32>
    %22 = linalg.fill ins(%cst : f32) outs(%21 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
    %23 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%20 : tensor<1x4x1x8xf32>) outs(%22 : tensor<1x4x1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.addf %in, %out : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x1x1xf32>
    %24 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<1x4x1x1xf32>) outs(%21 : tensor<1x4x1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.divf %in, %cst_3 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x1x1xf32>
    %25 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%24 : tensor<1x4x1x1xf32>) outs(%21 : tensor<1x4x1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.truncf %cst_2 : f64 to f32
      %64 = arith.addf %in, %63 : f32
      linalg.yield %64 : f32
    } -> tensor<1x4x1x1xf32>
    %26 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%25 : tensor<1x4x1x1xf32>) outs(%21 : tensor<1x4x1x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = math.rsqrt %in : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x1x1xf32>
    %27 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_5, %26 : tensor<1x4x1x8xf32>, tensor<1x4x1x1xf32>) outs(%19 : tensor<1x4x1x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x1x8xf32>
    %28 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%27, %arg7 : tensor<1x4x1x8xf32>, tensor<8xf32>) outs(%19 : tensor<1x4x1x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x4x1x8xf32>
    %29 = tensor.empty() : tensor<1x2x4x8xf32>
    %transposed_8 = linalg.transpose ins(%18 : tensor<1x4x2x8xf32>) outs(%29 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3] 
    %30 = tensor.empty() : tensor<1x1x4x8xf32>
    %transposed_9 = linalg.transpose ins(%28 : tensor<1x4x1x8xf32>) outs(%30 : tensor<1x1x4x8xf32>) permutation = [0, 2, 1, 3] 
    %transposed_10 = linalg.transpose ins(%expanded_7 : tensor<1x4x1x8xf32>) outs(%30 : tensor<1x1x4x8xf32>) permutation = [0, 2, 1, 3] 
    %31 = linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_8, %arg4 : tensor<1x2x4x8xf32>, tensor<4x8xf32>) outs(%29 : tensor<1x2x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x8xf32>
    %extracted_slice = tensor.extract_slice %transposed_8[0, 0, 0, 4] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
    %32 = tensor.empty() : tensor<1x2x4x4xf32>
    %33 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice : tensor<1x2x4x4xf32>) outs(%32 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.negf %in : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x4xf32>
    %extracted_slice_11 = tensor.extract_slice %transposed_8[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x4x4xf32>
    %concat = tensor.concat dim(3) %33, %extracted_slice_11 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32>
    %34 = linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%concat, %arg5 : tensor<1x2x4x8xf32>, tensor<4x8xf32>) outs(%29 : tensor<1x2x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x8xf32>
    %35 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%31, %34 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%29 : tensor<1x2x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.addf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x8xf32>
    %36 = linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_9, %arg4 : tensor<1x1x4x8xf32>, tensor<4x8xf32>) outs(%30 : tensor<1x1x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x1x4x8xf32>
    %extracted_slice_12 = tensor.extract_slice %transposed_9[0, 0, 0, 4] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x8xf32> to tensor<1x1x4x4xf32>
    %37 = tensor.empty() : tensor<1x1x4x4xf32>
    %38 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%extracted_slice_12 : tensor<1x1x4x4xf32>) outs(%37 : tensor<1x1x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.negf %in : f32
      linalg.yield %63 : f32
    } -> tensor<1x1x4x4xf32>
    %extracted_slice_13 = tensor.extract_slice %transposed_9[0, 0, 0, 0] [1, 1, 4, 4] [1, 1, 1, 1] : tensor<1x1x4x8xf32> to tensor<1x1x4x4xf32>
    %concat_14 = tensor.concat dim(3) %38, %extracted_slice_13 : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x8xf32>
    %39 = linalg.generic {indexing_maps = [#map, #map3, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%concat_14, %arg5 : tensor<1x1x4x8xf32>, tensor<4x8xf32>) outs(%30 : tensor<1x1x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.mulf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x1x4x8xf32>
    %40 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%36, %39 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) outs(%30 : tensor<1x1x4x8xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.addf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x1x4x8xf32>
    %41 = tensor.empty() : tensor<1x1x2x4x8xf32>
    %42 = linalg.generic {indexing_maps = [#map4, #map5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%40 : tensor<1x1x4x8xf32>) outs(%41 : tensor<1x1x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x1x2x4x8xf32>
    %collapsed_15 = tensor.collapse_shape %42 [[0], [1, 2], [3], [4]] : tensor<1x1x2x4x8xf32> into tensor<1x2x4x8xf32>
    %43 = linalg.generic {indexing_maps = [#map4, #map5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%transposed_10 : tensor<1x1x4x8xf32>) outs(%41 : tensor<1x1x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x1x2x4x8xf32>
    %44 = tensor.empty() : tensor<1x2x8x4xf32>
    %transposed_16 = linalg.transpose ins(%collapsed_15 : tensor<1x2x4x8xf32>) outs(%44 : tensor<1x2x8x4xf32>) permutation = [0, 1, 3, 2] 
    %collapsed_17 = tensor.collapse_shape %35 [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
    %collapsed_18 = tensor.collapse_shape %transposed_16 [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
    %45 = tensor.empty() : tensor<2x4x4xf32>
    %46 = linalg.fill ins(%cst : f32) outs(%45 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %47 = linalg.batch_matmul ins(%collapsed_17, %collapsed_18 : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%46 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
    %expanded_19 = tensor.expand_shape %47 [[0, 1], [2], [3]] output_shape [1, 2, 4, 4] : tensor<2x4x4xf32> into tensor<1x2x4x4xf32>
    %48 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_19 : tensor<1x2x4x4xf32>) outs(%32 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.truncf %cst_1 : f64 to f32
      %64 = arith.mulf %in, %63 : f32
      linalg.yield %64 : f32
    } -> tensor<1x2x4x4xf32>
    %49 = tensor.empty() : tensor<1x2x4xi64>
    %50 = linalg.fill ins(%c0_i64 : i64) outs(%49 : tensor<1x2x4xi64>) -> tensor<1x2x4xi64>
    %51 = tensor.empty() : tensor<1x2x4xf32>
    %52 = linalg.fill ins(%cst_0 : f32) outs(%51 : tensor<1x2x4xf32>) -> tensor<1x2x4xf32>
    %53:2 = linalg.generic {indexing_maps = [#map, #map6, #map6], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%48 : tensor<1x2x4x4xf32>) outs(%52, %50 : tensor<1x2x4xf32>, tensor<1x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_26: i64):
      %63 = linalg.index 3 : index
      %64 = arith.index_cast %63 : index to i64
      %65 = arith.maximumf %in, %out : f32
      %66 = arith.cmpf ogt, %in, %out : f32
      %67 = arith.select %66, %64, %out_26 : i64
      linalg.yield %65, %67 : f32, i64
    } -> (tensor<1x2x4xf32>, tensor<1x2x4xi64>)
    %expanded_20 = tensor.expand_shape %53#0 [[0], [1], [2, 3]] output_shape [1, 2, 4, 1] : tensor<1x2x4xf32> into tensor<1x2x4x1xf32>
    %54 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%48, %expanded_20 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%32 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.subf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x4xf32>
    %55 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%54 : tensor<1x2x4x4xf32>) outs(%32 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = math.exp %in : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x4xf32>
    %56 = tensor.empty() : tensor<1x2x4x1xf32>
    %57 = linalg.fill ins(%cst : f32) outs(%56 : tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %58 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%55 : tensor<1x2x4x4xf32>) outs(%57 : tensor<1x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %63 = arith.addf %in, %out : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x1xf32>
    %59 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%55, %58 : tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) outs(%32 : tensor<1x2x4x4xf32>) {
    ^bb0(%in: f32, %in_26: f32, %out: f32):
      %63 = arith.divf %in, %in_26 : f32
      linalg.yield %63 : f32
    } -> tensor<1x2x4x4xf32>
    %collapsed_21 = tensor.collapse_shape %59 [[0, 1], [2], [3]] : tensor<1x2x4x4xf32> into tensor<2x4x4xf32>
    %collapsed_22 = tensor.collapse_shape %43 [[0, 1, 2], [3], [4]] : tensor<1x1x2x4x8xf32> into tensor<2x4x8xf32>
    %60 = tensor.empty() : tensor<2x4x8xf32>
    %61 = linalg.fill ins(%cst : f32) outs(%60 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %62 = linalg.batch_matmul ins(%collapsed_21, %collapsed_22 : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%61 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %expanded_23 = tensor.expand_shape %62 [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
    %transposed_24 = linalg.transpose ins(%expanded_23 : tensor<1x2x4x8xf32>) outs(%9 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3] 
    %collapsed_25 = tensor.collapse_shape %transposed_24 [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
    return %collapsed_25 : tensor<1x4x16xf32>
  }
}
