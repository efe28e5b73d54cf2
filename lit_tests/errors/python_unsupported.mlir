// Printing an op that has no PyTorch lowering is one error naming the node, exit 1,
// and no output file.

// RUN: rm -f %t.py
// RUN: not ramiel-opt %s -t python -o %t.py 2>&1 | filecheck %s
// RUN: not test -e %t.py
// CHECK:     {{^}}ramiel-opt: error: node 'decode': onnx.ImageDecoder: the operator is not supported yet{{$}}
// CHECK-NOT: {{.}}

func.func @main(%x: tensor<100xui8>) -> tensor<?x?x3xui8> {
  %y = onnx.ImageDecoder(%x) : (tensor<100xui8>) -> tensor<?x?x3xui8> loc("decode")
  func.return %y : tensor<?x?x3xui8>
}
