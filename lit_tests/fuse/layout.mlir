// Layout: a dataflow.conv reads and writes channels-last tensors; ops that keep
// their operands' layout (pooling, elementwise, Concat) pass it on. A
// dataflow.channels_last goes before a conv only when its input is not
// channels-last yet, once per value. pool=false keeps the ONNX pools here
// (pool.mlir tests dataflow.pool, whose result is always channels-last).

// RUN: ramiel-opt %s -p 'fuse{pool=false}' | filecheck %s

// Two convs read the graph input: it is converted once.
// CHECK-LABEL: func.func @shared_input
// CHECK-SAME:    (%[[X:.*]]: tensor<1x3x8x8xf32>)
// CHECK:         %[[XL:.*]] = dataflow.channels_last %[[X]] : tensor<1x3x8x8xf32>
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[XL]],
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[XL]],
// CHECK-NOT:     dataflow.channels_last
// CHECK:         func.return
func.func @shared_input(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w1 = onnx.Constant() {value = dense<0.5> : tensor<4x3x1x1xf32>} : () -> tensor<4x3x1x1xf32>
  %w2 = onnx.Constant() {value = dense<0.25> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %a = onnx.Conv(%x, %w1) : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
  %b = onnx.Conv(%x, %w2) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  func.return %a, %b : tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// MaxPool, a Relu that could not fold (the conv has two users), Add and Concat of
// channels-last values are channels-last: the convs after them read them as they are.
// CHECK-LABEL: func.func @keeps_layout
// CHECK:         dataflow.channels_last
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[C:.*]] = dataflow.conv
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[R:.*]] = onnx.Relu(%[[C]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[P:.*]] = onnx.MaxPool(%[[R]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[P]],
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[A:.*]] = onnx.Add(%[[C]], %[[R]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[A]],
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[UP:.*]] = onnx.MaxPool(%[[R]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         %[[CAT:.*]] = onnx.Concat(%[[C]], %[[UP]])
// CHECK-NOT:     dataflow.channels_last
// CHECK:         dataflow.conv %[[CAT]],
// CHECK-NOT:     dataflow.channels_last
// CHECK:         func.return
func.func @keeps_layout(%x: tensor<1x3x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x3x1x1xf32>} : () -> tensor<4x3x1x1xf32>
  %w4 = onnx.Constant() {value = dense<0.25> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %w8 = onnx.Constant() {value = dense<0.125> : tensor<4x8x1x1xf32>} : () -> tensor<4x8x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
  %r = onnx.Relu(%c) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %p = onnx.MaxPool(%r) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %c1 = onnx.Conv(%p, %w4) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %a = onnx.Add(%c, %r) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c2 = onnx.Conv(%a, %w4) : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %up = onnx.MaxPool(%r) {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %cat = onnx.Concat(%c, %up) {axis = 1 : i64} : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32>
  %c3 = onnx.Conv(%cat, %w8) : (tensor<1x8x8x8xf32>, tensor<4x8x1x1xf32>) -> tensor<1x4x8x8xf32>
  func.return %c1, %c2, %c3 : tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}

// A channel shuffle: Reshape and Transpose give contiguous NCHW tensors, so the
// conv after them gets a new conversion, of the Reshape's result.
// CHECK-LABEL: func.func @shuffle
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4x2x2xf32>)
// CHECK:         %[[XL:.*]] = dataflow.channels_last %[[X]]
// CHECK-NEXT:    %[[C:.*]] = dataflow.conv %[[XL]],
// CHECK-NEXT:    %[[R:.*]] = onnx.Reshape(%[[C]], %{{.*}})
// CHECK-NEXT:    %[[T:.*]] = onnx.Transpose(%[[R]])
// CHECK-NEXT:    %[[S:.*]] = onnx.Reshape(%[[T]], %{{.*}})
// CHECK:         %[[SL:.*]] = dataflow.channels_last %[[S]] : tensor<1x4x2x2xf32>
// CHECK-NEXT:    dataflow.conv %[[SL]],
func.func @shuffle(%x: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %s5 = onnx.Constant() {value = dense<[1, 2, 2, 2, 2]> : tensor<5xi64>} : () -> tensor<5xi64>
  %s4 = onnx.Constant() {value = dense<[1, 4, 2, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %c = onnx.Conv(%x, %w) : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %r = onnx.Reshape(%c, %s5) : (tensor<1x4x2x2xf32>, tensor<5xi64>) -> tensor<1x2x2x2x2xf32>
  %t = onnx.Transpose(%r) {perm = array<i64: 0, 2, 1, 3, 4>} : (tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  %s = onnx.Reshape(%t, %s4) : (tensor<1x2x2x2x2xf32>, tensor<4xi64>) -> tensor<1x4x2x2xf32>
  %y = onnx.Conv(%s, %w) : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  func.return %y : tensor<1x4x2x2xf32>
}

// A 4-D Transpose (NHWC -> NCHW) feeding a conv: converted too.
// CHECK-LABEL: func.func @transpose
// CHECK:         %[[T:.*]] = onnx.Transpose
// CHECK:         %[[TL:.*]] = dataflow.channels_last %[[T]] : tensor<1x3x4x5xf32>
// CHECK-NEXT:    dataflow.conv %[[TL]],
// CHECK-NOT:     dataflow.channels_last
func.func @transpose(%x: tensor<1x4x5x3xf32>) -> tensor<1x2x4x5xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<2x3x1x1xf32>} : () -> tensor<2x3x1x1xf32>
  %t = onnx.Transpose(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x5x3xf32>) -> tensor<1x3x4x5xf32>
  %y = onnx.Conv(%t, %w) : (tensor<1x3x4x5xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x5xf32>
  func.return %y : tensor<1x2x4x5xf32>
}

// An elementwise op with an NCHW operand is not channels-last: the conv after it
// converts its result.
// CHECK-LABEL: func.func @mixed_layouts
// CHECK-SAME:    (%[[X:.*]]: tensor<1x4x4x4xf32>, %[[Y:.*]]: tensor<1x4x4x4xf32>)
// CHECK:         %[[C:.*]] = dataflow.conv
// CHECK-NEXT:    %[[A:.*]] = onnx.Mul(%[[C]], %[[Y]])
// CHECK:         %[[AL:.*]] = dataflow.channels_last %[[A]]
// CHECK-NEXT:    dataflow.conv %[[AL]],
func.func @mixed_layouts(%x: tensor<1x4x4x4xf32>, %y: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<4x4x1x1xf32>} : () -> tensor<4x4x1x1xf32>
  %c = onnx.Conv(%x, %w) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %a = onnx.Mul(%c, %y) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %z = onnx.Conv(%a, %w) : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  func.return %z : tensor<1x4x4x4xf32>
}

// No conv, no conversion.
// CHECK-LABEL: func.func @no_conv
// CHECK-NOT:     dataflow.
// CHECK:         func.return
func.func @no_conv(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32> {
  %p = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
  func.return %p : tensor<1x4x2x2xf32>
}
