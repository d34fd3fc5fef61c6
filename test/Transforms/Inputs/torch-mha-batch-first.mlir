#map = affine_map<(d0, d1, d2) -> (d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d2)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map5 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#map6 = affine_map<(d0, d1) -> (d1)>
#map7 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @forward(%arg0: tensor<2x4x16xf32>, %arg1: tensor<2x4x16xf32>, %arg2: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
    %c0_i64 = arith.constant 0 : i64
    %cst = arith.constant 0.000000e+00 : f32
    %cst_0 = arith.constant 0xFF800000 : f32
    %true = arith.constant true
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<2x2x4x4xf32>
    %cst_2 = arith.constant dense_resource<torch_tensor_16_torch.float32> : tensor<16xf32>
    %cst_3 = arith.constant dense_resource<torch_tensor_16_16_torch.float32> : tensor<16x16xf32>
    %cst_4 = arith.constant 0xFFF0000000000000 : f64
    %cst_5 = arith.constant 0.59460355750136051 : f64
    %cst_6 = arith.constant dense_resource<torch_tensor_48_torch.float32> : tensor<48xf32>
    %cst_7 = arith.constant dense_resource<torch_tensor_48_16_torch.float32> : tensor<48x16xf32>
    %0 = tensor.empty() : tensor<4x2x16xf32>
    %transposed = linalg.transpose ins(%arg2 : tensor<2x4x16xf32>) outs(%0 : tensor<4x2x16xf32>) permutation = [1, 0, 2] 
    %1 = tensor.empty() : tensor<16x48xf32>
    %transposed_8 = linalg.transpose ins(%cst_7 : tensor<48x16xf32>) outs(%1 : tensor<16x48xf32>) permutation = [1, 0] 
    %2 = tensor.empty() : tensor<4x16x48xf32>
    %3 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "parallel"]} ins(%transposed_8 : tensor<16x48xf32>) outs(%2 : tensor<4x16x48xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<4x16x48xf32>
    %4 = tensor.empty() : tensor<4x2x48xf32>
    %5 = linalg.fill ins(%cst : f32) outs(%4 : tensor<4x2x48xf32>) -> tensor<4x2x48xf32>
    %6 = linalg.batch_matmul ins(%transposed, %3 : tensor<4x2x16xf32>, tensor<4x16x48xf32>) outs(%5 : tensor<4x2x48xf32>) -> tensor<4x2x48xf32>
    %7 = linalg.generic {indexing_maps = [#map1, #map2, #map1], iterator_types = ["parallel", "parallel", "parallel"]} ins(%6, %cst_6 : tensor<4x2x48xf32>, tensor<48xf32>) outs(%4 : tensor<4x2x48xf32>) {
    ^bb0(%in: f32, %in_35: f32, %out: f32):
      %45 = arith.addf %in, %in_35 : f32
      linalg.yield %45 : f32
    } -> tensor<4x2x48xf32>
    %expanded = tensor.expand_shape %7 [[0, 1], [2], [3, 4]] output_shape [1, 4, 2, 3, 16] : tensor<4x2x48xf32> into tensor<1x4x2x3x16xf32>
    %8 = tensor.empty() : tensor<3x4x2x1x16xf32>
    %transposed_9 = linalg.transpose ins(%expanded : tensor<1x4x2x3x16xf32>) outs(%8 : tensor<3x4x2x1x16xf32>) permutation = [3, 1, 2, 0, 4] 
    %collapsed = tensor.collapse_shape %transposed_9 [[0], [1], [2, 3], [4]] : tensor<3x4x2x1x16xf32> into tensor<3x4x2x16xf32>
    %extracted_slice = tensor.extract_slice %collapsed[0, 0, 0, 0] [1, 4, 2, 16] [1, 1, 1, 1] : tensor<3x4x2x16xf32> to tensor<1x4x2x16xf32>
    %extracted_slice_10 = tensor.extract_slice %collapsed[1, 0, 0, 0] [1, 4, 2, 16] [1, 1, 1, 1] : tensor<3x4x2x16xf32> to tensor<1x4x2x16xf32>
    %extracted_slice_11 = tensor.extract_slice %collapsed[2, 0, 0, 0] [1, 4, 2, 16] [1, 1, 1, 1] : tensor<3x4x2x16xf32> to tensor<1x4x2x16xf32>
    %collapsed_12 = tensor.collapse_shape %extracted_slice [[0, 1], [2, 3]] : tensor<1x4x2x16xf32> into tensor<4x32xf32>
    %expanded_13 = tensor.expand_shape %collapsed_12 [[0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
    %9 = tensor.empty() : tensor<4x4x8xf32>
    %transposed_14 = linalg.transpose ins(%expanded_13 : tensor<4x4x8xf32>) outs(%9 : tensor<4x4x8xf32>) permutation = [1, 0, 2] 
    %collapsed_15 = tensor.collapse_shape %extracted_slice_10 [[0, 1], [2, 3]] : tensor<1x4x2x16xf32> into tensor<4x32xf32>
    %expanded_16 = tensor.expand_shape %collapsed_15 [[0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
    %transposed_17 = linalg.transpose ins(%expanded_16 : tensor<4x4x8xf32>) outs(%9 : tensor<4x4x8xf32>) permutation = [1, 0, 2] 
    %collapsed_18 = tensor.collapse_shape %extracted_slice_11 [[0, 1], [2, 3]] : tensor<1x4x2x16xf32> into tensor<4x32xf32>
    %expanded_19 = tensor.expand_shape %collapsed_18 [[0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
    %transposed_20 = linalg.transpose ins(%expanded_19 : tensor<4x4x8xf32>) outs(%9 : tensor<4x4x8xf32>) permutation = [1, 0, 2] 
    %expanded_21 = tensor.expand_shape %transposed_14 [[0, 1], [2], [3]] output_shape [2, 2, 4, 8] : tensor<4x4x8xf32> into tensor<2x2x4x8xf32>
    %expanded_22 = tensor.expand_shape %transposed_17 [[0, 1], [2], [3]] output_shape [2, 2, 4, 8] : tensor<4x4x8xf32> into tensor<2x2x4x8xf32>
    %10 = tensor.empty() : tensor<2x2x4x8xf32>
    %11 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_21 : tensor<2x2x4x8xf32>) outs(%10 : tensor<2x2x4x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.truncf %cst_5 : f64 to f32
      %46 = arith.mulf %in, %45 : f32
      linalg.yield %46 : f32
    } -> tensor<2x2x4x8xf32>
    %12 = tensor.empty() : tensor<2x2x8x4xf32>
    %transposed_23 = linalg.transpose ins(%expanded_22 : tensor<2x2x4x8xf32>) outs(%12 : tensor<2x2x8x4xf32>) permutation = [0, 1, 3, 2] 
    %13 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed_23 : tensor<2x2x8x4xf32>) outs(%12 : tensor<2x2x8x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.truncf %cst_5 : f64 to f32
      %46 = arith.mulf %in, %45 : f32
      linalg.yield %46 : f32
    } -> tensor<2x2x8x4xf32>
    %collapsed_24 = tensor.collapse_shape %11 [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
    %collapsed_25 = tensor.collapse_shape %13 [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
    %14 = tensor.empty() : tensor<4x4x4xf32>
    %15 = linalg.fill ins(%cst : f32) outs(%14 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %16 = linalg.batch_matmul ins(%collapsed_24, %collapsed_25 : tensor<4x4x8xf32>, tensor<4x8x4xf32>) outs(%15 : tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
    %expanded_26 = tensor.expand_shape %16 [[0, 1], [2], [3]] output_shape [2, 2, 4, 4] : tensor<4x4x4xf32> into tensor<2x2x4x4xf32>
    %17 = tensor.empty() : tensor<2x2x4xi64>
    %18 = linalg.fill ins(%c0_i64 : i64) outs(%17 : tensor<2x2x4xi64>) -> tensor<2x2x4xi64>
    %19 = tensor.empty() : tensor<2x2x4xf32>
    %20 = linalg.fill ins(%cst_0 : f32) outs(%19 : tensor<2x2x4xf32>) -> tensor<2x2x4xf32>
    %21:2 = linalg.generic {indexing_maps = [#map3, #map4, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%expanded_26 : tensor<2x2x4x4xf32>) outs(%20, %18 : tensor<2x2x4xf32>, tensor<2x2x4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_35: i64):
      %45 = linalg.index 3 : index
      %46 = arith.index_cast %45 : index to i64
      %47 = arith.maximumf %in, %out : f32
      %48 = arith.cmpf ogt, %in, %out : f32
      %49 = arith.select %48, %46, %out_35 : i64
      linalg.yield %47, %49 : f32, i64
    } -> (tensor<2x2x4xf32>, tensor<2x2x4xi64>)
    %expanded_27 = tensor.expand_shape %21#0 [[0], [1], [2, 3]] output_shape [2, 2, 4, 1] : tensor<2x2x4xf32> into tensor<2x2x4x1xf32>
    %22 = tensor.empty() : tensor<2x2x4x4xf32>
    %23 = linalg.generic {indexing_maps = [#map3, #map5, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_26, %expanded_27 : tensor<2x2x4x4xf32>, tensor<2x2x4x1xf32>) outs(%22 : tensor<2x2x4x4xf32>) {
    ^bb0(%in: f32, %in_35: f32, %out: f32):
      %45 = arith.subf %in, %in_35 : f32
      linalg.yield %45 : f32
    } -> tensor<2x2x4x4xf32>
    %24 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<2x2x4x4xf32>) outs(%22 : tensor<2x2x4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = math.exp %in : f32
      linalg.yield %45 : f32
    } -> tensor<2x2x4x4xf32>
    %25 = tensor.empty() : tensor<2x2x4x1xf32>
    %26 = linalg.fill ins(%cst : f32) outs(%25 : tensor<2x2x4x1xf32>) -> tensor<2x2x4x1xf32>
    %27 = linalg.generic {indexing_maps = [#map3, #map5], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%24 : tensor<2x2x4x4xf32>) outs(%26 : tensor<2x2x4x1xf32>) {
    ^bb0(%in: f32, %out: f32):
      %45 = arith.addf %in, %out : f32
      linalg.yield %45 : f32
    } -> tensor<2x2x4x1xf32>
    %28 = linalg.generic {indexing_maps = [#map3, #map5, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%24, %27 : tensor<2x2x4x4xf32>, tensor<2x2x4x1xf32>) outs(%22 : tensor<2x2x4x4xf32>) {
    ^bb0(%in: f32, %in_35: f32, %out: f32):
      %45 = arith.divf %in, %in_35 : f32
      linalg.yield %45 : f32
    } -> tensor<2x2x4x4xf32>
    %29 = tensor.empty() : tensor<2x2x4x4xi1>
    %30 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%expanded_26 : tensor<2x2x4x4xf32>) outs(%29 : tensor<2x2x4x4xi1>) {
    ^bb0(%in: f32, %out: i1):
      %45 = arith.extf %in : f32 to f64
      %46 = arith.cmpf oeq, %45, %cst_4 : f64
      linalg.yield %46 : i1
    } -> tensor<2x2x4x4xi1>
    %31 = tensor.empty() : tensor<2x2x4x1xi1>
    %32 = linalg.fill ins(%true : i1) outs(%31 : tensor<2x2x4x1xi1>) -> tensor<2x2x4x1xi1>
    %33 = linalg.generic {indexing_maps = [#map3, #map5], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%30 : tensor<2x2x4x4xi1>) outs(%32 : tensor<2x2x4x1xi1>) {
    ^bb0(%in: i1, %out: i1):
      %45 = arith.andi %in, %out : i1
      linalg.yield %45 : i1
    } -> tensor<2x2x4x1xi1>
    %34 = linalg.generic {indexing_maps = [#map5, #map3, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%33, %cst_1, %28 : tensor<2x2x4x1xi1>, tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) outs(%22 : tensor<2x2x4x4xf32>) {
    ^bb0(%in: i1, %in_35: f32, %in_36: f32, %out: f32):
      %45 = arith.select %in, %in_35, %in_36 : f32
      linalg.yield %45 : f32
    } -> tensor<2x2x4x4xf32>
    %collapsed_28 = tensor.collapse_shape %34 [[0, 1], [2], [3]] : tensor<2x2x4x4xf32> into tensor<4x4x4xf32>
    %35 = linalg.fill ins(%cst : f32) outs(%9 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
    %36 = linalg.batch_matmul ins(%collapsed_28, %transposed_20 : tensor<4x4x4xf32>, tensor<4x4x8xf32>) outs(%35 : tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
    %expanded_29 = tensor.expand_shape %36 [[0, 1], [2], [3]] output_shape [2, 2, 4, 8] : tensor<4x4x8xf32> into tensor<2x2x4x8xf32>
    %37 = tensor.empty() : tensor<4x2x2x8xf32>
    %transposed_30 = linalg.transpose ins(%expanded_29 : tensor<2x2x4x8xf32>) outs(%37 : tensor<4x2x2x8xf32>) permutation = [2, 0, 1, 3] 
    %collapsed_31 = tensor.collapse_shape %transposed_30 [[0, 1], [2, 3]] : tensor<4x2x2x8xf32> into tensor<8x16xf32>
    %38 = tensor.empty() : tensor<16x16xf32>
    %transposed_32 = linalg.transpose ins(%cst_3 : tensor<16x16xf32>) outs(%38 : tensor<16x16xf32>) permutation = [1, 0] 
    %39 = tensor.empty() : tensor<8x16xf32>
    %40 = linalg.fill ins(%cst : f32) outs(%39 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %41 = linalg.matmul ins(%collapsed_31, %transposed_32 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%40 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %42 = linalg.generic {indexing_maps = [#map6, #map7], iterator_types = ["parallel", "parallel"]} ins(%cst_2 : tensor<16xf32>) outs(%39 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<8x16xf32>
    %43 = linalg.generic {indexing_maps = [#map7, #map7, #map7], iterator_types = ["parallel", "parallel"]} ins(%41, %42 : tensor<8x16xf32>, tensor<8x16xf32>) outs(%39 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %in_35: f32, %out: f32):
      %45 = arith.addf %in, %in_35 : f32
      linalg.yield %45 : f32
    } -> tensor<8x16xf32>
    %expanded_33 = tensor.expand_shape %43 [[0, 1], [2]] output_shape [4, 2, 16] : tensor<8x16xf32> into tensor<4x2x16xf32>
    %44 = tensor.empty() : tensor<2x4x16xf32>
    %transposed_34 = linalg.transpose ins(%expanded_33 : tensor<4x2x16xf32>) outs(%44 : tensor<2x4x16xf32>) permutation = [1, 0, 2] 
    return %transposed_34 : tensor<2x4x16xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      torch_tensor_16_torch.float32: "0x0400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      torch_tensor_16_16_torch.float32: "0x040000001024D13DAC9CCA3D704C1EBE98A89FBD0C526FBE6C9C093E565C5D3EBC6FA73D52661EBE9A07073E6473543EC87E51BDE8DB27BD7436B13D60BC033DD038A9BD62A96DBEC68133BE00D15D3C40B95BBC4C65533EA02E0C3CE8D483BDD6227ABEA85F6BBE6CAFD43D0E05643E809778BB2CD064BEBCC7B53D8A81503E386F29BE30CD86BD903EAC3CAEFE11BEC65F6DBE6824E03D801152BE108480BD84EE07BEAC85403E10B7453D3070ED3DF45A2DBED0BB573E207AB63C8AFC0DBE60F985BC244335BE80113DBCE2F30E3E8C2AE6BDCC63583EA8539C3D782F33BD14F09F3D88A53CBD78FE6DBD94F427BE982A153ED2AC193EA04FAF3DB867173E6CC17F3E5E0D713EB60C77BE487E693D905AAFBC54DAAD3DE09746BD6CE78E3D688B6BBEA403EA3D96F2753ED02738BD10A14BBE3ECE54BE587144BD80D577BBE069E43C587B003DB8D3403E40C639BDCC1C923D120E08BE6EC97B3EE479C43DA0030EBD9848283EB43DB53D209D2F3DE42497BDA8C2003DA06B923CAE9115BE00736A3B789C5F3DAAA117BED8E9363DB8F2A9BD82FB54BEC85019BEE02C4BBE28FC6C3D46981C3E9ABC683E40027B3ED4A9C93D5C6BFA3D08A12EBD42A1533E4CBFC3BD60218BBD3066AABD4A9C2BBEE44C45BE98BE50BDD2E64E3E580FFFBD406968BEF0F669BDBEF8673E80FB763D907481BC685C92BD24C7603EEEFD75BE920F113E34048B3DAA7A203EAA6014BEFCDFA7BD842BD7BD1C67783E803904BDA01B74BE325D003E886F453D701F0C3DBEB62ABE56D06FBEA6F7673E02CE40BE709542BD00AE3BBD9A33123E8CD157BEEC8512BE043009BE981401BEF49B1C3E36B41C3E7042E83D10F8503E12422ABE001F82BA382B4FBE004E00BAA8CC5ABE049276BE663F213E2893E2BD602DA3BC90EA96BDF20B4BBEF050CCBC7844173D008D4C3EB8CCD9BDCEE9733E5010EDBD60DD233E809B5F3EC0C2D33CDCD7AFBD5C5E3D3E205995BD7830DBBD407DB2BD02CB50BE50A5CCBCF64350BE2AA7273EE08E76BE2E303EBE58004B3DD45E1E3E40D9743EB0794FBE484C523E8A60333EC8F027BEAC75D53D8C0690BDC460933D86A162BE24FD12BE2C4C22BE60B247BD000215BC4048B0BBF23A17BE70E1FC3DDE0B023E8C9160BE9C4A6DBE800A5CBD386D8E3DA2FB42BE2098BCBCC077683C669C43BEA6B96F3ED268393E9A88433EA0C7D0BD7AF736BE7078FB3C62BC153EA877FA3DC01426BE42F8483ED4BAF2BD280533BDF08E8FBD98C3F33D42DB6EBE060323BE50D0F7BCE237303E188E76BDBC9E203E9C706A3E80ED193CAA6C2CBE004CB63A4036C73D78145ABD0CF379BE345B183E8020DFBD080D33BED677023E087B763D10843A3E60CA4EBDBC4C1E3EF82473BD62F21EBE2C536C3E70E17B3E6A71363E78E78EBDD063DFBD2008353D58E0003E",
      torch_tensor_48_torch.float32: "0x04000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      torch_tensor_48_16_torch.float32: "0x040000009A878E383992113EBB8B333E0CAF98BEA94CDB3D53A39C3E1DE01EBEF0C64B3D42A3E13B24BA253E7814973D228E6BBED3326ABE65DB853EC12307BEABC889BEDDB08CBE0D6388BEC52C8F3D48FB103D5E0236BEC6A88DBD3D0E443D366CE43D2A02003E4DC828BE46B9933E5172923EB4A95EBEF04E913E546D80BEC0EF4EBEF99B773DE7E7B73DCE658B3EDB02CA3A1AC2533E6207D1BD5C7764BE73DFF3BCB0C5223EADF9F4BD47B284BED7FC3EBEEF2A5E3D2B7C953E02AA8A3CB2BF7CBEB35D0CBE381F1F3EEA59C5BDF44729BDAA3F693EF97DE63D1CF13F3E47BD8C3EDC63CEBDDAD2353DBC3C6BBEE5D29B3E892A52BE2A03953E49888F3E576A883D288A87BE68AE21BC8A3701BE1D3BC03D4D4C313E769C2E3E6062C93D773F70BE43DC83BEC825B93D8C9089BD7889123E6B5D983EC05BBD3DB0CD3CBE7713B5BDFA2F413E9733EE3C63CC553E674396BE67891ABDF3E718BEC0416E3EA724093E752528BD107491BEDADB13BD6F2D7E3EBC5B06BC24C54FBC0FF990BE9C3A783EE7B5813E44EC7BBE0A6A5EBE4F11733C166833BE204680BEF3C9C43DE587A2BD6F5BD93D1F2CF93D3C998B3E86483A3E835E93BED4AC7CBEE54A7B3E0D3385BE30A33F3E37163FBEA7957B3E2E51313E146B58BE069C81BED77709BEA4560FBE58F131BECDF15C3EF6009A3D43661DBD9755AABC6978023E0673003D31491BBD8E338B3EC05B583E11E1AF3CBD61583E192887BD5CF36DBECA13343EB9EC2D3EFD5E4B3D23C085BEB852623E0B67B23C061E25BE6F4E8ABEF4CF22BE21C5913E5D821B3E3F500ABEF4BB813E8D48863E0ED61B3E0383DFBC55E9923E39DE8DBDB9CF02BEB2D0153E9FCE02BEFED8643EC8C626BEDBE3E63DBEA666BE18E850BE534B7E3C9226773E984C70BEF5C5A6BDE4D7113E767760BD889E8CBE78C866BBB43ADCBDC643953D2E03013E2765BCBD2BA020BE7460393E0D0E87BE8805193E3E02FC3D8BD6F83D2ABF5ABEE529FC3D4D203BBEA41D0C3E29FB11BED2048A3D6E105C3B81CC58BE7CAD91BEABE993BDD4A43A3E89738FBD9229A2BD22AC42BE22FB62BE7AA7CBBCAAFFA3BDAE62E03DDD47983E629457BEDA92C0BDDEA2E83D4EA053BED3FD0ABD8FFE1EBEEB68473EBE9B0BBD4316CE3CBA713A3E851F5EBE335829BE0B09733E4426F93D51ACE0BC324D9C3E246C893E0A9907BEAB47AFBDD2E2073E178243BE36D59BBED0421EBE6B8A8FBED23F463ED6B69E3D8BEC83BE6B3753BC5E36963EE65137BEEF9046BE36C6063EAF7C5DBEAB3E92BEA15F313EEAB01FBDDC2D263E7C5F82BD2F6E933E776301BE8847823E865732BE3267DCBDFB2E723E24FC0A3EEABB64BE30D2F9BC5218393EE0CC72BEAF1C6C3C640A403EB3656FBE9289EE3D209197BE519C92BE86A9DC3BD3AA8DBE998C10BEAA89393E99FD6EBD33B551BEE7E17F3ED63399BE9110803DF42B4DBE02952EBE4A7FCB3C5B699A3E8B79A6BDADBA9BBE8434873DC19DF9BD2A7851BE03BFF73D6BA7F73DA8271BBEAEE8A33C98D8353D6D4EB93CDDB941BDB73235BE071C2D3E38EA6C3E638F7D3E9131823E6C1973BCB10AC93C7561F9BDADB394BD96C2A03D3E2DC83CC3C360BE175660BE014D113EE22C6F3E0153913EF18C3F3E4866343E756B033E6D58533EA7CCA0BDB3EA413DE321FD3DDE63843DC75DD8BC0BC824BEDD135FBE599334BE9A14F33C266A903EA768E4BD1B707FBE848688BE6FA2F43DED40023EEEA227BE4C4AF3BD56D1723E0DB584BED620383ECF72283C635F13BE3C78973EBD0E4EBECE5A8D3EEFEE813E0481D73D083F4C3E6426983D8646833E67E08B3D308F9CBEB74A04BEC40D373DA25E5C3E28A8B5BD0AA5E33D276BEF3DE2B5D83C122E81BE2533963E0B3017BE0FE1453D4BF3F3BDD00BA03D63EF533EB92F843D3C3108BE6BF28A3DD15780BEA8C9833E462A283EABAD603E76919E3D7C1C9CBE8CDB5EBE7D698EBE721F373EFAEA973E0A0A4C3EE8C7FCBDBAC13EBEEE8935BEA76D933EC5B596BE384D99BE493A023E1B6DED3C2C8421BE3D372FBE2CB996BEE6F0D43DBF3719BEB71EAFBD4670243E27457DBEEB269A3E5485CCBDA011483E86A24DBD34275E3EF3FE2DBE2E9889BDA75E1BBEE7374E3E30A697BEDEA64F3E2CAC94393E9647BED00BB5BD01B714BD12DCBCBDE7140ABE49E5A8BD8AD1023D5B0E183E2E964F3D392B633EEA2D4EBD986B843E2D47D23DECC95EBE1099523E4524853D0804493EDE3995BEBF73A2BCB79891BE5FAA90BD1493E2BDA19941BEAFE444BE9B01723EDB030E3EBBF3D43D8609623D4E62C63D2326F03CCB8E97BE72E30DBDBC6A473E60F120BDA3495B3DA2B7403EE31B383E59655BBD383A7F3E6A3DE9BDF0B10BBC05BA7C3E2A312FBE974C9B3E8EEB16BE30DB1FBE4164713E8943603EF5E15CBE7936143E25E3B43C4E8B70BE151FB7BD6F5FD93CC40491BE34D6A4BCF5C89C3DB5EC693E54465F3EDFC202BE0CC8143E031E853DA3708EBCDEF36EBE5406B23D91F38F3E1AFD83BE8120AEBC910A373E40FBD2392CDD603EA5612EBD787F2DBE3C6A80BE5B7E3CBE87AB6DBD77F7423E38E2013D39D2D23CC68E7C3E276BA43D700504BE9447D2BDFA4F323E9487FBBD08C9CA3D68F8053E0D78523C401D5CBE9D1036BE237190BEBEDECB3DFB8494BE2EDA30BE6A0F943E7DF80CBC2D30103E20EF1BBE360494BDD1CF1BBEFC98EB3DC93D48BE3A5C0EBEFD62993DBE96653C83D615BE269ACE3C271E5EBD38EA96BE1A9E923EC30480BE9E6FCD3D1660303E3C1B65BD8B8FADBD1C89903E66C96B3E52CE5ABDFCB4DEBDA59B27BEA39F803EBCE32ABEECF0E23D38EBAC3D56F0713EBAFA0EBB6C03213E476A2DBE2F39F8BD8DBAEDBD3FC196BE80DE8CBE23AA1B3E7AEA0B3E8E769EBD26468FBE8F80543E27B8973EDE6A9C3EF85402BE179787BE3A8C4A3EFD2F1F3E4D5B753E7039A43DDCB2543ED1CC0ABE7F807EBE1F91433D46C4853E959F43BE4B27233EF5C603BED1D041BED214ADBDF4459A3E8208873E1740803E8A7C963E850128BCB8B9093E3C4DD73DAD7902BE09A44D3E946023BD463EE7BDEE45313EF253963EB4F3713ED020803CF98A4DBE5664913E405E023E302E813EEE26B9BD00443A3E2A3F7B3CD16D5C3E7C16943DDB4C04BEE64A093E8147953E996C53BEB7FA973EA74F813EFC7E833E363E883DC032C6BDC716D2BDBA3022BD16D04FBE5BF3E83D2D3E153EE1B382BD476E8B3EA5AFD43D275B9B3EAE948E3E1A776ABDFD5D80BE53424FBE6217973EEC533EBEE561B03CE58A4A3EACEFCABD704A343EF18B52BEE3FD783DF2BE0F3E47D182BE0444E5BD0E7D1EBEB5F067BD358B963EAE978A3E3B01213E0C5213BE70FA6CBDA718EB3C4E4C973E0F1683BEB3AE96BDC9DB85BE4A91E93D340B24BD305C0CBEDF598FBE6FAACEBD7BB987BE7DECD13D3FBA8EBE60AD20BE4C769C3EF26C97BE9FFD80BED66370BEC80549BEAB24783E355DC9BD425072BE5FC6303E8989883E59AC1B3E6393EA3C8BE6693D0D5BF23D9B9F8A3E06CF333E765274BE421F73BE1D8545BE2EA408BEAE0E8B3E7C3E9CBECC9136BD1FAA6D3E67CFEE3D6BA41FBEEF8F6DBBEE267FBE5F7647BEBBCA82BE961465BE09D1973EE98342BD4D6F2CBE1B4B19BE327F7BBEDC5E29BEC182FB3CC4F03FBE18CE433DD887E43D8BF15E3EE19331BEC23B80BDF9EE9A3E361C07BD12DA8BBEE9B8CDBD3D91C93D928860BD9650DD3D912B77BEE073193E37DF09BE953AEBBD0A5DA1BC465D983EA9CB703E4ACF863E1AFC34BDF7DB5C3E28E57FBBE395553E3282D6BDE9F51CBE329C60BE1CF573BC294A08BE4815783E29D522BE8A82253E60A321BE104D2B3E6A0C323C38233BBE9C327B3C525991BE10BCE9BCF4103ABE8DC48DBE394F8D3EE1C53A3E21E0963DE3F2383E87A37BBEA09F24BEDFB214BE4F4243BE5A8881BDDAA5683EF75546BEA1AC703D9499083E17271FBED5C6003E3B2BADBDE6C10A3E4AA78D3EE121A63D6D0D4ABE6E4148BE9F9F753E87BEB7BDBE2D953EE1296EBE3E482ABEF2AE993EACE9513C8F391BBE0158C93CC555BCBCCB048DBEFA8DC63D17D8273E8AFD8C3BBF2581BE4C6DBBBDCA50E63DACBAD1BD07517D3E93B2C3BDCA4D90BD42C6323E7748083D585D343EC66F55BE2623663E50BBC6BD098D3C3B28ED1C3E0B2AC03DAE32E9BDD734363E8169E5BC2618103E3F6FB9BD662CAD3C4564CFBDED67363E8FB36F3E84C6933D18808A3EEDAED13D358B84BE4F5835BE8556AFBC66E07BBE0EBAF13DAB2F8F3E87283CBE"
    }
  }
#-}
