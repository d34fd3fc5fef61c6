#map = affine_map<(d0, d1) -> (d1)>
#map1 = affine_map<(d0, d1) -> (d0, d1)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
module {
  func.func @forward(%arg0: tensor<4x2x16xf32>, %arg1: tensor<6x2x12xf32>, %arg2: tensor<6x2x8xf32>) -> tensor<4x2x16xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %true = arith.constant true
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<2x2x4x6xf32>
    %cst_2 = arith.constant dense_resource<torch_tensor_16_torch.float32> : tensor<16xf32>
    %cst_3 = arith.constant dense_resource<torch_tensor_16_16_torch.float32_1> : tensor<16x16xf32>
    %cst_4 = arith.constant 0xFFF0000000000000 : f64
    %cst_5 = arith.constant 0.59460355750136051 : f64
    %cst_6 = arith.constant dense_resource<torch_tensor_16_8_torch.float32> : tensor<16x8xf32>
    %cst_7 = arith.constant dense_resource<torch_tensor_16_12_torch.float32> : tensor<16x12xf32>
    %cst_8 = arith.constant dense_resource<torch_tensor_16_16_torch.float32> : tensor<16x16xf32>
    %cst_9 = arith.constant dense_resource<torch_tensor_48_torch.float32> : tensor<48xf32>
    %extracted_slice = tensor.extract_slice %cst_9[0] [16] [1] : tensor<48xf32> to tensor<16xf32>
    %extracted_slice_10 = tensor.extract_slice %cst_9[16] [16] [1] : tensor<48xf32> to tensor<16xf32>
    %extracted_slice_11 = tensor.extract_slice %cst_9[32] [16] [1] : tensor<48xf32> to tensor<16xf32>
    %collapsed = tensor.collapse_shape %arg0 [[0, 1], [2]] : tensor<4x2x16xf32> into tensor<8x16xf32>
    %0 = tensor.empty() : tensor<16x16xf32>
    %transposed = linalg.transpose ins(%cst_8 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %1 = tensor.empty() : tensor<8x16xf32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %3 = linalg.matmul ins(%collapsed, %transposed : tensor<8x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %4 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%extracted_slice : tensor<16xf32>) outs(%1 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<8x16xf32>
    %5 = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel", "parallel"]} ins(%3, %4 : tensor<8x16xf32>, tensor<8x16xf32>) outs(%1 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.addf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<8x16xf32>
    %expanded = tensor.expand_shape %5 [[0, 1], [2]] output_shape [4, 2, 16] : tensor<8x16xf32> into tensor<4x2x16xf32>
    %collapsed_12 = tensor.collapse_shape %arg1 [[0, 1], [2]] : tensor<6x2x12xf32> into tensor<12x12xf32>
    %6 = tensor.empty() : tensor<12x16xf32>
    %transposed_13 = linalg.transpose ins(%cst_7 : tensor<16x12xf32>) outs(%6 : tensor<12x16xf32>) permutation = [1, 0] 
    %7 = linalg.fill ins(%cst : f32) outs(%6 : tensor<12x16xf32>) -> tensor<12x16xf32>
    %8 = linalg.matmul ins(%collapsed_12, %transposed_13 : tensor<12x12xf32>, tensor<12x16xf32>) outs(%7 : tensor<12x16xf32>) -> tensor<12x16xf32>
    %9 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%extracted_slice_10 : tensor<16xf32>) outs(%6 : tensor<12x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<12x16xf32>
    %10 = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel", "parallel"]} ins(%8, %9 : tensor<12x16xf32>, tensor<12x16xf32>) outs(%6 : tensor<12x16xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.addf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<12x16xf32>
    %expanded_14 = tensor.expand_shape %10 [[0, 1], [2]] output_shape [6, 2, 16] : tensor<12x16xf32> into tensor<6x2x16xf32>
    %collapsed_15 = tensor.collapse_shape %arg2 [[0, 1], [2]] : tensor<6x2x8xf32> into tensor<12x8xf32>
    %transposed_16 = linalg.transpose ins(%cst_6 : tensor<16x8xf32>) outs(%1 : tensor<8x16xf32>) permutation = [1, 0] 
    %11 = linalg.matmul ins(%collapsed_15, %transposed_16 : tensor<12x8xf32>, tensor<8x16xf32>) outs(%7 : tensor<12x16xf32>) -> tensor<12x16xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%extracted_slice_11 : tensor<16xf32>) outs(%6 : tensor<12x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<12x16xf32>
    %13 = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel", "parallel"]} ins(%11, %12 : tensor<12x16xf32>, tensor<12x16xf32>) outs(%6 : tensor<12x16xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.addf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<12x16xf32>
    %expanded_17 = tensor.expand_shape %13 [[0, 1], [2]] output_shape [6, 2, 16] : tensor<12x16xf32> into tensor<6x2x16xf32>
    %collapsed_18 = tensor.collapse_shape %expanded [[0], [1, 2]] : tensor<4x2x16xf32> into tensor<4x32xf32>
    %expanded_19 = tensor.expand_shape %collapsed_18 [[0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
    %14 = tensor.empty() : tensor<4x4x8xf32>
    %transposed_20 = linalg.transpose ins(%expanded_19 : tensor<4x4x8xf32>) outs(%14 : tensor<4x4x8xf32>) permutation = [1, 0, 2] 
    %collapsed_21 = tensor.collapse_shape %expanded_14 [[0], [1, 2]] : tensor<6x2x16xf32> into tensor<6x32xf32>
    %expanded_22 = tensor.expand_shape %collapsed_21 [[0], [1, 2]] output_shape [6, 4, 8] : tensor<6x32xf32> into tensor<6x4x8xf32>
    %15 = tensor.empty() : tensor<4x6x8xf32>
    %transposed_23 = linalg.transpose ins(%expanded_22 : tensor<6x4x8xf32>) outs(%15 : tensor<4x6x8xf32>) permutation = [1, 0, 2] 
    %collapsed_24 = tensor.collapse_shape %expanded_17 [[0], [1, 2]] : tensor<6x2x16xf32> into tensor<6x32xf32>
    %expanded_25 = tensor.expand_shape %collapsed_24 [[0], [1, 2]] output_shape [6, 4, 8] : tensor<6x32xf32> into tensor<6x4x8xf32>
    %transposed_26 = linalg.transpose ins(%expanded_25 : tensor<6x4x8xf32>) outs(%15 : tensor<4x6x8xf32>) permutation = [1, 0, 2] 
    %expanded_27 = tensor.expand_shape %transposed_20 [[0, 1], [2], [3]] output_shape [2, 2, 4, 8] : tensor<4x4x8xf32> into tensor<2x2x4x8xf32>
    %expanded_28 = tensor.expand_shape %transposed_23 [[0, 1], [2], [3]] output_shape [2, 2, 6, 8] : tensor<4x6x8xf32> into tensor<2x2x6x8xf32>
    %16 = tensor.empty() : tensor<2x2x4x8xf32>
    %17 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_27 : tensor<2x2x4x8xf32>) outs(%16 : tensor<2x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.truncf %cst_5 : f64 to f32
      %48 = arith.mulf %in, %47 : f32
      linalg.yield %48 : f32
    } -> tensor<2x2x4x8xf32>
    %18 = tensor.empty() : tensor<2x2x8x6xf32>
    %transposed_29 = linalg.transpose ins(%expanded_28 : tensor<2x2x6x8xf32>) outs(%18 : tensor<2x2x8x6xf32>) permutation = [0, 1, 3, 2] 
    %19 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_29 : tensor<2x2x8x6xf32>) outs(%18 : tensor<2x2x8x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.truncf %cst_5 : f64 to f32
      %48 = arith.mulf %in, %47 : f32
      linalg.yield %48 : f32
    } -> tensor<2x2x8x6xf32>
    %collapsed_30 = tensor.collapse_shape %17 [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
    %collapsed_31 = tensor.collapse_shape %19 [[0, 1], [2], [3]] : tensor<2x2x8x6xf32> into tensor<4x8x6xf32>
    %20 = tensor.empty() : tensor<4x4x6xf32>
    %21 = linalg.fill ins(%cst : f32) outs(%20 : tensor<4x4x6xf32>) -> tensor<4x4x6xf32>
    %22 = linalg.batch_matmul ins(%collapsed_30, %collapsed_31 : tensor<4x4x8xf32>, tensor<4x8x6xf32>) outs(%21 : tensor<4x4x6xf32>) -> tensor<4x4x6xf32>
    %expanded_32 = tensor.expand_shape %22 [[0, 1], [2], [3]] output_shape [2, 2, 4, 6] : tensor<4x4x6xf32> into tensor<2x2x4x6xf32>
    %23 = tensor.empty() : tensor<2x2x4xi64>
    %24 = linalg.fill ins(%c0_i64 : i64) outs(%23 : tensor<2x2x4xi64>) -> tensor<2x2x4xi64>
    %25 = tensor.empty() : tensor<2x2x4xf32>
    %26 = linalg.fill ins(%cst_0 : f32) outs(%25 : tensor<2x2x4xf32>) -> tensor<2x2x4xf32>
    %27:2 = linalg.generic {indexing_maps = [#map2, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%expanded_32 : tensor<2x2x4x6xf32>) outs(%26, %24 : tensor<2x2x4xf32>, tensor<2x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_40: i64):
      %47 = linalg.index 3 : index
      %48 = arith.index_cast %47 : index to i64
      %49 = arith.maximumf %in, %out : f32
      %50 = arith.cmpf ogt, %in, %out : f32
      %51 = arith.select %50, %48, %out_40 : i64
      linalg.yield %49, %51 : f32, i64
    } -> (tensor<2x2x4xf32>, tensor<2x2x4xi64>)
    %expanded_33 = tensor.expand_shape %27#0 [[0], [1], [2, 3]] output_shape [2, 2, 4, 1] : tensor<2x2x4xf32> into tensor<2x2x4x1xf32>
    %28 = tensor.empty() : tensor<2x2x4x6xf32>
    %29 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_32, %expanded_33 : tensor<2x2x4x6xf32>, tensor<2x2x4x1xf32>) outs(%28 : tensor<2x2x4x6xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.subf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<2x2x4x6xf32>
    %30 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%29 : tensor<2x2x4x6xf32>) outs(%28 : tensor<2x2x4x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = math.exp %in : f32
      linalg.yield %47 : f32
    } -> tensor<2x2x4x6xf32>
    %31 = tensor.empty() : tensor<2x2x4x1xf32>
    %32 = linalg.fill ins(%cst : f32) outs(%31 : tensor<2x2x4x1xf32>) -> tensor<2x2x4x1xf32>
    %33 = linalg.generic {indexing_maps = [#map2, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%30 : tensor<2x2x4x6xf32>) outs(%32 : tensor<2x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %47 = arith.addf %in, %out : f32
      linalg.yield %47 : f32
    } -> tensor<2x2x4x1xf32>
    %34 = linalg.generic {indexing_maps = [#map2, #map4, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%30, %33 : tensor<2x2x4x6xf32>, tensor<2x2x4x1xf32>) outs(%28 : tensor<2x2x4x6xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.divf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<2x2x4x6xf32>
    %35 = tensor.empty() : tensor<2x2x4x6xi1>
    %36 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_32 : tensor<2x2x4x6xf32>) outs(%35 : tensor<2x2x4x6xi1>) {
    ^bb0(%in: f32, %out: i1):
      %47 = arith.extf %in : f32 to f64
      %48 = arith.cmpf oeq, %47, %cst_4 : f64
      linalg.yield %48 : i1
    } -> tensor<2x2x4x6xi1>
    %37 = tensor.empty() : tensor<2x2x4x1xi1>
    %38 = linalg.fill ins(%true : i1) outs(%37 : tensor<2x2x4x1xi1>) -> tensor<2x2x4x1xi1>
    %39 = linalg.generic {indexing_maps = [#map2, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%36 : tensor<2x2x4x6xi1>) outs(%38 : tensor<2x2x4x1xi1>) {
    ^bb0(%in: i1, %out: i1):
      %47 = arith.andi %in, %out : i1
      linalg.yield %47 : i1
    } -> tensor<2x2x4x1xi1>
    %40 = linalg.generic {indexing_maps = [#map4, #map2, #map2, #map2], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%39, %cst_1, %34 : tensor<2x2x4x1xi1>, tensor<2x2x4x6xf32>, tensor<2x2x4x6xf32>) outs(%28 : tensor<2x2x4x6xf32>) {
    ^bb0(%in: i1, %in_40: f32, %in_41: f32, %out: f32):
      %47 = arith.select %in, %in_40, %in_41 : f32
      linalg.yield %47 : f32
    } -> tensor<2x2x4x6xf32>
    %collapsed_34 = tensor.collapse_shape %40 [[0, 1], [2], [3]] : tensor<2x2x4x6xf32> into tensor<4x4x6xf32>
    %41 = linalg.fill ins(%cst : f32) outs(%14 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
    %42 = linalg.batch_matmul ins(%collapsed_34, %transposed_26 : tensor<4x4x6xf32>, tensor<4x6x8xf32>) outs(%41 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
    %expanded_35 = tensor.expand_shape %42 [[0, 1], [2], [3]] output_shape [2, 2, 4, 8] : tensor<4x4x8xf32> into tensor<2x2x4x8xf32>
    %43 = tensor.empty() : tensor<4x2x2x8xf32>
    %transposed_36 = linalg.transpose ins(%expanded_35 : tensor<2x2x4x8xf32>) outs(%43 : tensor<4x2x2x8xf32>) permutation = [2, 0, 1, 3] 
    %collapsed_37 = tensor.collapse_shape %transposed_36 [[0, 1], [2, 3]] : tensor<4x2x2x8xf32> into tensor<8x16xf32>
    %transposed_38 = linalg.transpose ins(%cst_3 : tensor<16x16xf32>) outs(%0 : tensor<16x16xf32>) permutation = [1, 0] 
    %44 = linalg.matmul ins(%collapsed_37, %transposed_38 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%2 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %45 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%cst_2 : tensor<16xf32>) outs(%1 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<8x16xf32>
    %46 = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel", "parallel"]} ins(%44, %45 : tensor<8x16xf32>, tensor<8x16xf32>) outs(%1 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %in_40: f32, %out: f32):
      %47 = arith.addf %in, %in_40 : f32
      linalg.yield %47 : f32
    } -> tensor<8x16xf32>
    %expanded_39 = tensor.expand_shape %46 [[0, 1], [2]] output_shape [4, 2, 16] : tensor<8x16xf32> into tensor<4x2x16xf32>
    return %expanded_39 : tensor<4x2x16xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_16_torch.float32: "0x0400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      torch_tensor_16_16_torch.float32_1: "0x0400000068399CBD9E7657BEB86B833D0060F63B3EE6333EA473C6BD40A35DBE0E28663E00CA7C3E8A5531BE88ADC1BD948083BD3ABC24BE0CEE71BE60273A3E2863143E00A3EA3D8A6963BEC0C860BDEC1B1D3E049E023ED07977BD0051443BC01DE13D626D603E9A546E3EDAF26D3EEC09643E90AFEDBD08CF713EE0801DBC080D82BD5E02593EC0F6FFBC88740C3D902D9BBC545835BE5C5542BEBECB623EAE10723E205FC5BCE00325BE22297C3E3884673D7A32093E72CD58BEC893D03D3082A23CE0CA623E8073433E2AB3163E749D823D7852C53D2411B03D72656F3E5A4C0E3E0012C6BBC08D923DDCFDBDBD02454C3ED8E800BE20D0693E1E25423E24DC44BE2CC367BE80C9C4BBE469EE3D46284B3E7C685BBE68DF7DBD28A27B3DCC42A8BD7C0352BE80578E3DA05BDD3DA00DF7BC3EA8053E58F0283DAC0D4F3EFCEC863D009E793D58DF40BD0424F6BDACF8D63D0290743E383ABB3D5C3364BE6E7B2D3E4621753E80DDDBBB3C322ABE18B68FBD625D2F3E0C18083E60AFDEBC7065333DC031ABBBCC606CBEEAB4313E20C9F3BCE41054BE3890693D7E820A3E46CE5CBE408C47BC2C7F64BEB4F28E3DC03A103D58D8043EC0A94FBD7097713E108170BE385964BDC23B38BEAE113DBED486553EB0000C3E9C1C533EE428E13D3A480EBE88F54EBDEC535CBE427B623EB09D01BD20303ABCA8A3C53D803604BD4ABC34BE80E5463C6220323E3A48233EC2316CBE10D8653EF813D43D2A1874BE0099EABC0E6225BE805CEA3C52F364BE08986DBD480A423E607226BDF0F1463DE05406BE0ADF323EBE3D463E0095433B80F93C3CD8876B3E5AF97BBE0C2FE33D68F530BE687CDFBD9E4777BEE8F1743DE213583EA0D142BDD416D63DF07213BD206B5BBE767A5EBE00ECD1BB46B5353E884E373E9817C9BD68CD503D2276613E9AD14ABEB02C7EBE56477FBE88E5113E5CC251BE3E765BBE0CB8A93D7E45123E3875E83DFAF964BE625C6D3E0C45323EA83EAEBD46B430BE924414BE14400FBE72125DBE827A033E9A24383ED41EB53D4C6DF83D346F13BE88590C3E7250553EA0D10A3E48284E3ED4CEDEBD4C03D93DE024C3BD08C67EBDC426773E40A097BCE0A9323CC09B8F3C8066E73C98C1DEBD06F13B3EFA235A3ECE9A0EBE486C6FBEF02B4BBD7C75F4BDD2B0283E54FEACBDBC39363EF859693DA862B6BD9CEFFFBDA0C7523DAEF94DBE500505BD2A7678BEF25C61BED0431DBEBEC9083E869F44BE94D0743E623077BE8C1B63BEBCDBE33DC087FD3BFC463E3E384B6ABD5849D83D48DE4C3E546D30BE429B33BEBC0C5F3E88175C3E604726BC6E6D133EC87239BE48044C3EC47B95BDA0D1043E4CCD87BDD6CB4CBEF8E3B2BD58AB32BDA083353C20506E3D24CD5CBED62E08BE10FBCBBD6859653D9EBF25BE8EBA573EB091E0BD280A663E",
      torch_tensor_16_8_torch.float32: "0x04000000A029393E2010543D3442B93E0630CBBE28089D3D6C9F893EEA6EF9BE865FE5BE5EA8F13ED0AED1BD3EC7E9BE5C55D73E00F6BCBB062B803E802B4E3D10795B3E7A84B93E18AC443ED29AD1BE9EB58F3EA0E6CCBE74517E3EB8C2D7BEC88BF6BD10BD58BD30EFAE3DDA148E3E2AACB8BEF4A0DABEF8959D3EEAB0AEBE041FC9BEEC3603BE40D61BBE5062C4BE608CA8BC285D183E7A9CE13E7454173ECCD41B3E9027933DAC3691BEC0A179BD78D4ABBDF8C7473E68678B3E6CC1DE3E4E0B84BE80071F3DA05C763DD41F83BE2026AB3EA00DC23E103F993D60749FBE988CC53E86D3C33E04DC79BE9C758BBE3404E33E482CE1BE60C8FABCC07026BD6CC509BE4ED4BBBE746862BE54AA98BE40BC883D8211A83EC26A94BE52CCE43EB868553E1093EFBDB88DAE3E20B8E4BDF00B33BE3A69E9BE20A12ABE40ED2DBE6CA14D3E38A5E6BE7267EA3EC0D33BBC38BFD13D98FC00BEDCED1ABECCC7ABBEC03843BCE475AC3EA8B5073ED07E253EDABCBABE10017A3E6CC014BE48ADBABE5C317CBE62B8BFBE2025E6BD1E46EA3E48266ABEA0472EBE3A62C43E1C4431BE0480573E7433BB3E2614893ED25E803E5CCEB53E00A81FBC1E9CD0BE5C0794BEC0F0203C002650BDC062DE3DD4D3473EE8109BBDC46F653E00D2F1BEE00086BC900ADABE3C93493E302AB23E780A3EBE105CC2BD28F3603EA46464BE8898703ED865AEBE",
      torch_tensor_16_12_torch.float32: "0x04000000688CCA3C887670BEDDA7D9BEB492AEBE349BAE3E843180BE265896BEE5B280BEEEB9FC3C1AFBE5BD6A36BCBE430691BE9012A4BE62F6CA3D692249385ED0CA3E5E4B363E83FCBD3DA707C83E7714B93D8AAC66BECFF0C43E9ACD59BE55B39FBE6618B73EC904D33E38A3863EFED4E0BDAF87DD3EF4FE763EF4C88A3D7AFD193D25D8643E679561BE282C25BE2413863E0267773D7D2ED0BCC6AF13BD3778A43CE0EAEA3EB26ACC3E4C52DFBEED85B8BE674FB6BE10778EBCAD05EA3DF4A483BE5711543E4856E7BEB31CA53E18E230BCFD3E143E36D6A53E9D374C3D4A3568BEC46F04BE4630D43EB166C1BDF5CAAFBCB610C7BE566294BE6BD4DDBC29B4F53D139890BEE42CC33CFBC4D73E9E5BDE3EE5278F3CFC2BEB3E1876E33E9129673E61BABE3E54F0A83D658136BE0916BF3E8CD5143E47DFC13DB56539BCC50953BDBC7DC7BE8B9065BEC06B9DBEAC4F9DBD0376803EB5C571BE8D31053D36F436BE6E963ABEDAA50F3E0C8D373EF877D23E7A00BEBD0AB1B23E56D8ACBE63E7793DB5F3A33CDE8DE33ECBA8723EB5D977BE4EB4693E98BC713BD1F3B8BE4FCD88BEB5D5ABBEA4B6C23EA12BC63EE442B3BEDC94663E91FBE03E15E646BDD788A33EB9B3B63E8547783E8FB74EBE809DC73E3108F53D5EDB633E1589D4BE469D2B3E9BF98E3E8F02A4BE528EA6BEC1E836BE0DEA633E7FA43BBEEAFE7BBDC04BEBBE9A6409BE7E2431BEC8F9E6BE1EF8413EB393243DFD48D7BE63E75A3E6D10973E735F94BEC37A34BE693C52BE7D0C18BE194CCC3DC3ACA43ECFD5BB3EC7BDB2BE59A3DB3E4D762A3C59D9DCBEB7EA833E8921B53E2FE292BD485FDCBE17AAA73E028F85BE0C7FAFBEF22D0CBE675B19BCC32A973D5CA42A3E2490183E5FCF79BDD0E18DBE4F141BBED6EB8F3E489BCF3DDCD8923E68D75F3C549F1F3D9621E4BE2EF4ADBDA91181BE7EFCE4BE7747B73EDE1C803E4639D23E0288BA3EF74E9A3EED6A80BEEDDDC13E00F3C6BE2117EC3D10FEB2BE73A68D3E60F0CCBD4505BD3E73F5DB3D745DA03E31778DBD14C8C0BE10A9E3BE616FD9BEE57875BEB92BD13E",
      torch_tensor_16_16_torch.float32: "0x04000000B7CC88BD8CE9D53D7D6DD53D03CD2CBD837B413EF0BFDC3E7E6225BE2C7E52BE851EA7BCB673D73EC9B1273E70F7BEBE2187A53EACEBB43EACCEBE3ECA86233E81ACCDBEE4487D3D9C0E90BC088579BEC28197BEBF4B1DBD6465BF3EB27BF93D73C1193D5825283E8A05C7BE75666B3E81B5C83DD89E81BE6D97C0BEB00694BECE44063E067D053E86198F3D215AAFBD865A423E07E58DBECF69603EAE8262BEE76B64BEF648A3BEF137FE3DE5ED6BBED3C4873E8FF96D3EB1033FBCDFE07E3EAC1C813E74962A3E52F8AABEA509B5BDAA5B99BD9FB56E3E60452BBEDFC5BF3DFF6C303E471F923EEFF2D33E63A3C3BD0728AEBE16ADB7BE065FC6BD0BA7863EAB61AABD90EFB6BE011296BE3D0C7ABEF2B87ABED1627D3C82F431BD955B71BE6A159FBDCF855EBE45CF9ABCD8903D3E7E7F06BDD682D9BD5FEAC03D7D3B8F3EA3CEBF3E14E53BBE425DBDBEE59EC63D22E8303EAA64523D3CC9D73E9AF55F3E0181003DFE52943EA01C9E3E825F74BEFDEEA4BE5A4D6ABC1E230FBE662D92BEFBB3A4BEA2198E3EA84C35BE718475BEF8178E3EE6291F3D532CAA3D98760ABE6184D93D88318D3E3F0099BE6664A7BD2CD7003D9445B43EFA33B23E75DF973EBC3720BE556E343A431704BCDCB79EBE63E09FBE30C3ACBD696771BDFD36183E424EC7BEC78054BE5EDFB03E5013973D9A229DBE7063533EB5C72CBE53CB78BED6FB4FBE895F74BE23276FBE89AA983DA2D0573EAC2A683E5288DD3EBC69B43E07936ABE58E9BA3E8E21D1BDBD977D3E684450BE02B0BB3ECD0DFBBC3576183E91A4C03E13E7BCBD0051303E6B5DF83DA3FD1BBE32D3103C0EF5B73E0494C93DCF6BA23EE6935C3EAEA1503E6F853DBE8337C3BD7A86893E4EC0CE3D35EE633E07E4A83EF49D3D3E8F4B323EA49639BE4425113ECD7855BB88BE923EB7092B3E48438ABE01C0893EC1B55EBDB9212E3EAE9F46BEE198C2BEB002343E9D935E3E899BAD3EAFC2863E66C7513E81D6693E82A5EC3DAB8E48BEB977C13D9CB5AABE6AAE84BEEDE1CA3EC0F52B3EC9962E3E782131BD9711D7BE0E28FEBD970B22BE075C20BE3D12AD3D87B78DBE6FCF72BE0B12BEBD1987BFBE9A2892BDB57304BC04C2EEBCE6BE2ABE496DF4BDF43FAE3E86E1773E4224CE3D68A299BE31388CBECA534A3E05D864BBA9D0B6BCF8210DBE1F259BBEA5E174BE64F07E3EBE8DA93EA42A813EBD688BBEF49E35BC39F5BBBE9D7585BE8E329EBE5A3F063EB836D1BECB4AA13E906EB23E732D18BDED8EE03D18231A3E42A1C83E6824C63CB8E9CA3EB926253E122004BE9A56A73E7E61FD3D6EB6373ED2A3603D9D7364BE56B7C83EC12BBE3D62FF79BD534AD63DA59C62BE09E2073E1690D7BE3644803E0099923E6E0782BED8FE363E3085183DA43010BE1B1BD23EE4F220BB0BA08DBE619AD6BE",
      torch_tensor_48_torch.float32: "0x04000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
