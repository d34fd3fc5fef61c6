module {
  func.func @forward(%arg0: tensor<1x4x16xf32>, %arg1: tensor<16x16xf32>, %arg2: tensor<16x16xf32>, %arg3: tensor<16x16xf32>) -> tensor<1x4x16xf32> {
    %0 = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
    %1 = tosa.const_shape  {values = dense<[1, 4, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %2 = tosa.const_shape  {values = dense<[1, 16, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.const_shape  {values = dense<[1, 4, 2, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %4 = tosa.const_shape  {values = dense<[1, 2, 4, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %5 = tosa.const_shape  {values = dense<[2, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.const_shape  {values = dense<[2, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %7 = tosa.const_shape  {values = dense<[1, 2, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %8 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
    %9 = tosa.const_shape  {values = dense<[2, 4, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %10 = "tosa.const"() <{values = dense<0.353553385> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
    %11 = tosa.transpose %arg1 {perms = array<i32: 1, 0>} : (tensor<16x16xf32>) -> tensor<16x16xf32>
    %12 = tosa.reshape %11, %2 : (tensor<16x16xf32>, !tosa.shape<3>) -> tensor<1x16x16xf32>
    %13 = tosa.matmul %arg0, %12, %0, %0 : (tensor<1x4x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x16xf32>
    %14 = tosa.reshape %13, %3 : (tensor<1x4x16xf32>, !tosa.shape<4>) -> tensor<1x4x2x8xf32>
    %15 = tosa.transpose %14 {perms = array<i32: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
    %16 = tosa.transpose %arg2 {perms = array<i32: 1, 0>} : (tensor<16x16xf32>) -> tensor<16x16xf32>
    %17 = tosa.reshape %16, %2 : (tensor<16x16xf32>, !tosa.shape<3>) -> tensor<1x16x16xf32>
    %18 = tosa.matmul %arg0, %17, %0, %0 : (tensor<1x4x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x16xf32>
    %19 = tosa.reshape %18, %3 : (tensor<1x4x16xf32>, !tosa.shape<4>) -> tensor<1x4x2x8xf32>
    %20 = tosa.transpose %arg3 {perms = array<i32: 1, 0>} : (tensor<16x16xf32>) -> tensor<16x16xf32>
    %21 = tosa.reshape %20, %2 : (tensor<16x16xf32>, !tosa.shape<3>) -> tensor<1x16x16xf32>
    %22 = tosa.matmul %arg0, %21, %0, %0 : (tensor<1x4x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x16xf32>
    %23 = tosa.reshape %22, %3 : (tensor<1x4x16xf32>, !tosa.shape<4>) -> tensor<1x4x2x8xf32>
    %24 = tosa.transpose %23 {perms = array<i32: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
    %25 = tosa.transpose %19 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
    %26 = tosa.reshape %15, %5 : (tensor<1x2x4x8xf32>, !tosa.shape<3>) -> tensor<2x4x8xf32>
    %27 = tosa.reshape %25, %6 : (tensor<1x2x8x4xf32>, !tosa.shape<3>) -> tensor<2x8x4xf32>
    %28 = tosa.matmul %26, %27, %0, %0 : (tensor<2x4x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4xf32>
    %29 = tosa.reshape %28, %7 : (tensor<2x4x4xf32>, !tosa.shape<4>) -> tensor<1x2x4x4xf32>
    %30 = tosa.mul %29, %10, %8 : (tensor<1x2x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x2x4x4xf32>
    %31 = tosa.reduce_max %30 {axis = 3 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x1xf32>
    %32 = tosa.sub %30, %31 : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x4xf32>
    %33 = tosa.exp %32 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %34 = tosa.reduce_sum %33 {axis = 3 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x1xf32>
    %35 = tosa.reciprocal %34 : (tensor<1x2x4x1xf32>) -> tensor<1x2x4x1xf32>
    %36 = tosa.mul %33, %35, %8 : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>, tensor<1xi8>) -> tensor<1x2x4x4xf32>
    %37 = tosa.reshape %36, %9 : (tensor<1x2x4x4xf32>, !tosa.shape<3>) -> tensor<2x4x4xf32>
    %38 = tosa.reshape %24, %5 : (tensor<1x2x4x8xf32>, !tosa.shape<3>) -> tensor<2x4x8xf32>
    %39 = tosa.matmul %37, %38, %0, %0 : (tensor<2x4x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x8xf32>
    %40 = tosa.reshape %39, %4 : (tensor<2x4x8xf32>, !tosa.shape<4>) -> tensor<1x2x4x8xf32>
    %41 = tosa.transpose %40 {perms = array<i32: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
    %42 = tosa.reshape %41, %1 : (tensor<1x4x2x8xf32>, !tosa.shape<3>) -> tensor<1x4x16xf32>
    return %42 : tensor<1x4x16xf32>
  }
}
