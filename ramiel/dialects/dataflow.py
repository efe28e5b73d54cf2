"""The `dataflow` dialect: the structure that Ramiel's passes create around `onnx` ops.

* `dataflow.weight` names a large tensor kept outside the IR (in a `.safetensors` file).
* `dataflow.cluster` is an isolated single-block region with explicit inputs and
  outputs: one unit of work that a worker runs from start to end.
* `dataflow.yield` returns a cluster's outputs.
* `dataflow.conv` is a 2-D convolution with its activation (and an optional residual
  addend) fused in, run as one oneDNN kernel with weights packed at load time; the
  `fuse` pass creates it from `onnx.Conv` and what follows.
* `dataflow.concat_conv` is a 1x1 convolution of the channel concatenation of its
  inputs, each optionally ReLU'd as it is read, on Ramiel's pointwise kernel
  (`torch.ops.ramiel.pointwise_concat_conv2d`): the concatenation is never written. The
  `fuse` pass creates it from a 1x1 `dataflow.conv` of an `onnx.Concat` (or of its Relu).
* `dataflow.channels_last` stores a 4-D tensor channels-last (NHWC in memory). Its value
  is its operand's: only the memory layout changes, which the following kernels prefer.
* `dataflow.pool` is a 2-D max or average pooling on Ramiel's own kernel
  (`torch.ops.ramiel.pool2d`), with its output size fixed by its type; the `fuse` pass
  creates it from `onnx.MaxPool` and `onnx.AveragePool`.
* `dataflow.channel_affine` is `x * scale + shift` per channel, then an optional Relu, on
  Ramiel's own kernel (`torch.ops.ramiel.channel_affine`); the `fuse` pass creates it from
  an inference `onnx.BatchNormalization` and the Relu after it.
* `dataflow.lrn` is ONNX's LRN (a normalization across channels) on Ramiel's own kernel
  (`torch.ops.ramiel.lrn`); the `fuse` pass creates it from `onnx.LRN`.
* `dataflow.linear` is a fully connected layer, `x W^T + b` then an optional Relu, on
  Ramiel's own kernel (`torch.ops.ramiel.linear`) with the weight laid out at load time;
  the `fuse` pass creates it from a batch-1 `onnx.Gemm` (and the Flatten or Reshape
  before it, and the Relu after it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Dialect, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    base,
    irdl_op_definition,
    lazy_traits_def,
    operand_def,
    opt_attr_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    Pure,
    RecursivelySpeculatable,
    RecursiveMemoryEffect,
)
from xdsl.utils.exceptions import VerifyException

from ramiel.dialects.onnx_constraints import ONNX_VALUE

WEIGHTS_FILE_ATTR = "dataflow.weights"
"""Module attribute naming the file that holds the module's weights, relative to the IR file."""


@irdl_op_definition
class WeightOp(IRDLOperation):
    """A weight tensor stored outside the IR, referenced by name; its type gives dtype and shape.

    ```mlir
    %w = dataflow.weight "conv1/7x7_s2_w_0" : tensor<64x3x7x7xf32>
    ```
    """

    name = "dataflow.weight"
    key = prop_def(StringAttr)
    result = result_def(ONNX_VALUE)
    traits = traits_def(Pure())
    assembly_format = "$key attr-dict `:` type($result)"

    def __init__(self, key: str, result_type: Attribute) -> None:
        super().__init__(properties={"key": StringAttr(key)}, result_types=[result_type])


@irdl_op_definition
class YieldOp(IRDLOperation):
    """Returns the outputs of a `dataflow.cluster`.

    ```mlir
    dataflow.yield %a, %b : tensor<4xf32>, tensor<4xf32>
    ```
    """

    name = "dataflow.yield"
    values = var_operand_def(ONNX_VALUE)
    traits = lazy_traits_def(lambda: (IsTerminator(), HasParent(ClusterOp), Pure()))
    assembly_format = "attr-dict ($values^ `:` type($values))?"

    def __init__(self, values: Sequence[SSAValue]) -> None:
        super().__init__(operands=[values])


@irdl_op_definition
class ClusterOp(IRDLOperation):
    """A group of ops that one worker runs in order, isolated from the enclosing region.

    Its operands are the values the cluster reads from outside, bound to the
    entry block's arguments; its results are the values it yields. A cluster
    whose results are unused and whose ops are pure is removed by DCE. `worker`
    names the thread that runs it: one worker runs its clusters in block order.
    `threads`, when present, is how many intra-op threads its ops use (a cluster that
    runs while every other worker is idle may use them all).

    ```mlir
    %y = dataflow.cluster(%x) {worker = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%a: tensor<4xf32>):
      %r = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>
      dataflow.yield %r : tensor<4xf32>
    }
    ```
    """

    name = "dataflow.cluster"
    inputs = var_operand_def(ONNX_VALUE)
    outputs = var_result_def(ONNX_VALUE)
    body = region_def("single_block")
    worker = opt_attr_def(IntegerAttr[I64])
    threads = opt_attr_def(IntegerAttr[I64])
    traits = traits_def(IsolatedFromAbove(), RecursiveMemoryEffect(), RecursivelySpeculatable())
    assembly_format = "`(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs) $body"

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        result_types: Sequence[Attribute],
        body: Region,
        worker: int | None = None,
    ) -> None:
        attributes: dict[str, Attribute] = {}
        if worker is not None:
            attributes["worker"] = IntegerAttr(worker, 64)
        super().__init__(
            operands=[inputs], result_types=[result_types], regions=[body], attributes=attributes
        )

    @property
    def worker_index(self) -> int:
        """The worker that runs this cluster (0 when unassigned)."""
        return 0 if self.worker is None else self.worker.value.data

    @property
    def thread_count(self) -> int:
        """The intra-op threads the cluster runs on (0: its worker's share of the cores)."""
        return 0 if self.threads is None else self.threads.value.data

    @property
    def block(self) -> Block:
        """The cluster's only block."""
        return self.body.block

    def verify_(self) -> None:
        block = self.block
        arg_types = tuple(arg.type for arg in block.args)
        if arg_types != tuple(self.inputs.types):
            raise VerifyException(
                "'dataflow.cluster' op block argument types "
                f"({', '.join(map(str, arg_types))}) do not match its input types "
                f"({', '.join(map(str, self.inputs.types))})"
            )
        terminator = block.last_op
        if not isinstance(terminator, YieldOp):
            raise VerifyException("'dataflow.cluster' op must end with 'dataflow.yield'")
        if tuple(terminator.values.types) != tuple(self.outputs.types):
            raise VerifyException(
                "'dataflow.cluster' op yields "
                f"({', '.join(map(str, terminator.values.types))}) but its result types are "
                f"({', '.join(map(str, self.outputs.types))})"
            )


ACTIVATIONS = ("none", "relu", "leaky_relu", "hardtanh", "sigmoid", "tanh")
"""The activations `dataflow.conv` fuses, by oneDNN's post-op names; `leaky_relu` takes
one scalar (the slope), `hardtanh` two (min, max)."""

_SCALARS = {"leaky_relu": 1, "hardtanh": 2}
_ONNX_ACTIVATIONS = {
    "relu": "Relu",
    "leaky_relu": "LeakyRelu",
    "hardtanh": "Clip",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
}


MATMUL_KERNEL = "matmul"
"""`dataflow.conv`'s `kernel` for a 1x1 convolution computed as one matrix product."""

DEPTHWISE_KERNEL = "depthwise"
"""`dataflow.conv`'s `kernel` for a depthwise convolution on Ramiel's own kernel
(`torch.ops.ramiel.depthwise_conv2d`, `ramiel.kernels`)."""

DEPTHWISE_ACTIVATIONS = ("none", "relu")
"""The activations the depthwise kernel applies."""

POINTWISE_KERNEL = "pointwise"
"""`dataflow.conv`'s `kernel` for a 1x1 convolution on Ramiel's own kernel
(`torch.ops.ramiel.pointwise_conv2d`, `ramiel.kernels`)."""

POINTWISE_ACTIVATIONS = ("none", "relu")
"""The activations the pointwise kernel applies (after the addend)."""

POINTWISE_LANES = 16
"""The pointwise kernel's output channels come in vectors of this many (its weight matrix
is padded to a multiple; the direct kernel takes only multiples)."""

DIRECT_KERNEL = "direct"
"""`dataflow.conv`'s `kernel` for a convolution of a few-channel NCHW image on Ramiel's
own kernel (`torch.ops.ramiel.direct_conv2d`, `ramiel.kernels`): a CNN's stem."""

DIRECT_ACTIVATIONS = ("none", "relu")
"""The activations the direct kernel applies."""

WINOGRAD_KERNEL = "winograd"
"""`dataflow.conv`'s `kernel` for a 3x3 convolution at stride 1 on Ramiel's Winograd
kernel (`torch.ops.ramiel.winograd_conv2d`, `ramiel.kernels`)."""

WINOGRAD_ACTIVATIONS = ("none", "relu")
"""The activations the Winograd kernel applies (after the addend)."""


def _int_array(op: IRDLOperation, name: str) -> tuple[int, ...]:
    """`op`'s int-array property `name` as a tuple."""
    attr = op.properties[name]
    assert isinstance(attr, DenseArrayBase)
    return tuple(int(v) for v in cast(DenseArrayBase[Any], attr).get_values())


@irdl_op_definition
class ConvOp(IRDLOperation):
    """A 2-D convolution, plus `addend` when present, then `activation`, as one kernel.

    `pads` are symmetric (top/bottom, left/right); `activation_scalars` are the
    activation's parameters. A convolution without bias gets a zero one.

    ```mlir
    %y = dataflow.conv %x, %w, %b {strides = array<i64: 1, 1>, pads = array<i64: 1, 1>,
        dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"}
        : (tensor<1x64x28x28xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>)
        -> tensor<1x64x28x28xf32>
    ```
    """

    name = "dataflow.conv"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = operand_def(TensorType)
    addend = opt_operand_def(TensorType)
    output = result_def(TensorType)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    group = prop_def(IntegerAttr[I64])
    activation = prop_def(StringAttr)
    activation_scalars = opt_prop_def(ArrayAttr[FloatAttr])
    kernel = opt_prop_def(StringAttr)
    """`matmul` for a small 1x1 convolution run as one matrix product, `pointwise` for a
    1x1 one, `depthwise` for a depthwise one, `direct` for one of a few-channel image and
    `winograd` for a 3x3 one at stride 1 on Ramiel's kernels; absent: oneDNN."""
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $weight `,` $bias (`add` $addend^)? attr-dict `:` "
        "functional-type(operands, results)"
    )

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue,
        result_type: Attribute,
        *,
        strides: Sequence[int],
        pads: Sequence[int],
        dilations: Sequence[int],
        group: int,
        activation: str = "none",
        activation_scalars: Sequence[float] = (),
        addend: SSAValue | None = None,
        kernel: str | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            "strides": DenseArrayBase.from_list(i64, strides),
            "pads": DenseArrayBase.from_list(i64, pads),
            "dilations": DenseArrayBase.from_list(i64, dilations),
            "group": IntegerAttr(group, 64),
            "activation": StringAttr(activation),
        }
        if activation_scalars:
            properties["activation_scalars"] = ArrayAttr(
                [FloatAttr(float(v), 64) for v in activation_scalars]
            )
        if kernel is not None:
            properties["kernel"] = StringAttr(kernel)
        super().__init__(
            operands=[input, weight, bias, addend],
            result_types=[result_type],
            properties=properties,
        )

    @property
    def kind(self) -> str:
        """What the kernel computes, in ONNX terms: `Conv`, `Conv+Relu`, `Conv+Add+Relu`."""
        parts = ["Conv"]
        if self.addend is not None:
            parts.append("Add")
        activation = self.activation.data
        if activation != "none":
            parts.append(_ONNX_ACTIVATIONS.get(activation, activation))
        return "+".join(parts)

    def ints(self, name: str) -> tuple[int, ...]:
        """An int-array property (`strides`, `pads`, `dilations`) as a tuple."""
        return _int_array(self, name)

    @property
    def scalars(self) -> tuple[float, ...]:
        """The activation's parameters."""
        if self.activation_scalars is None:
            return ()
        return tuple(a.value.data for a in self.activation_scalars.data)

    def _verify_kernel(self, kernel: str) -> None:
        if kernel == DEPTHWISE_KERNEL:
            self._verify_depthwise()
            return
        if kernel == DIRECT_KERNEL:
            self._verify_direct()
            return
        if kernel == WINOGRAD_KERNEL:
            self._verify_winograd()
            return
        if kernel not in (MATMUL_KERNEL, POINTWISE_KERNEL):
            raise VerifyException(
                f"'dataflow.conv' op kernel '{kernel}' is not '{MATMUL_KERNEL}', "
                f"'{POINTWISE_KERNEL}', '{DEPTHWISE_KERNEL}', '{DIRECT_KERNEL}' or "
                f"'{WINOGRAD_KERNEL}' (leave it out for oneDNN)"
            )
        if not self.is_pointwise:
            raise VerifyException(
                f"'dataflow.conv' op kernel '{kernel}' needs a 1x1 convolution with stride "
                "1, no padding, dilation 1 and one group"
            )
        if kernel == POINTWISE_KERNEL:
            if self.activation.data not in POINTWISE_ACTIVATIONS:
                raise VerifyException(
                    "'dataflow.conv' op kernel 'pointwise' takes only the activations "
                    f"{', '.join(POINTWISE_ACTIVATIONS)}"
                )

    def _verify_depthwise(self) -> None:
        if not self.is_depthwise:
            raise VerifyException(
                "'dataflow.conv' op kernel 'depthwise' needs one group per channel and as "
                "many output channels as input channels"
            )
        if self.addend is not None or self.activation.data not in DEPTHWISE_ACTIVATIONS:
            raise VerifyException(
                "'dataflow.conv' op kernel 'depthwise' takes no addend and only the "
                f"activations {', '.join(DEPTHWISE_ACTIVATIONS)}"
            )

    def _verify_direct(self) -> None:
        channels = cast(TensorType[Attribute], self.weight.type).get_shape()[0]
        if self.group.value.data != 1 or channels % POINTWISE_LANES:
            raise VerifyException(
                "'dataflow.conv' op kernel 'direct' needs one group and output channels in "
                f"multiples of {POINTWISE_LANES}"
            )
        if self.addend is not None or self.activation.data not in DIRECT_ACTIVATIONS:
            raise VerifyException(
                "'dataflow.conv' op kernel 'direct' takes no addend and only the "
                f"activations {', '.join(DIRECT_ACTIVATIONS)}"
            )

    def _verify_winograd(self) -> None:
        if not self.is_winograd_3x3:
            raise VerifyException(
                "'dataflow.conv' op kernel 'winograd' needs a 3x3 convolution with stride 1, "
                f"dilation 1, one group and channels in multiples of {POINTWISE_LANES}"
            )
        if self.activation.data not in WINOGRAD_ACTIVATIONS:
            raise VerifyException(
                "'dataflow.conv' op kernel 'winograd' takes only the activations "
                f"{', '.join(WINOGRAD_ACTIVATIONS)}"
            )

    @property
    def is_winograd_3x3(self) -> bool:
        """Whether the Winograd kernel computes this convolution: 3x3, stride 1, dilation
        1, one group, input and output channels in multiples of 16."""
        weight = tuple(cast(TensorType[Attribute], self.weight.type).get_shape())
        return (
            len(weight) == 4
            and weight[2:] == (3, 3)
            and self.ints("strides") == (1, 1)
            and self.ints("dilations") == (1, 1)
            and self.group.value.data == 1
            and weight[0] % POINTWISE_LANES == 0
            and weight[1] % POINTWISE_LANES == 0
        )

    @property
    def is_depthwise(self) -> bool:
        """Whether this is a depthwise convolution: one group per input channel, one
        output channel per group (what the depthwise kernel computes)."""
        weight = tuple(cast(TensorType[Attribute], self.weight.type).get_shape())
        shape = cast(TensorType[Attribute], self.input.type).get_shape()
        if len(weight) != 4 or len(shape) != 4:
            return False
        return weight[1] == 1 and self.group.value.data == shape[1] == weight[0] > 1

    @property
    def is_pointwise(self) -> bool:
        """Whether this is a plain 1x1 convolution: stride 1, no padding, dilation 1, one
        group (what the matrix-product kernel computes)."""
        weight = tuple(cast(TensorType[Attribute], self.weight.type).get_shape())
        geometry = (self.ints("strides"), self.ints("pads"), self.ints("dilations"))
        return (
            weight[2:] == (1, 1)
            and geometry == ((1, 1), (0, 0), (1, 1))
            and self.group.value.data == 1
        )

    @property
    def is_matmul(self) -> bool:
        """Whether the convolution runs as one matrix product (`kernel = "matmul"`)."""
        return self.kernel is not None and self.kernel.data == MATMUL_KERNEL

    @property
    def on_pointwise_kernel(self) -> bool:
        """Whether the convolution runs on Ramiel's pointwise kernel (`kernel = "pointwise"`)."""
        return self.kernel is not None and self.kernel.data == POINTWISE_KERNEL

    @property
    def on_depthwise_kernel(self) -> bool:
        """Whether the convolution runs on Ramiel's depthwise kernel (`kernel = "depthwise"`)."""
        return self.kernel is not None and self.kernel.data == DEPTHWISE_KERNEL

    @property
    def on_direct_kernel(self) -> bool:
        """Whether the convolution runs on Ramiel's direct kernel (`kernel = "direct"`)."""
        return self.kernel is not None and self.kernel.data == DIRECT_KERNEL

    @property
    def on_winograd_kernel(self) -> bool:
        """Whether the convolution runs on Ramiel's Winograd kernel (`kernel = "winograd"`)."""
        return self.kernel is not None and self.kernel.data == WINOGRAD_KERNEL

    def verify_(self) -> None:
        kind = self.activation.data
        if self.kernel is not None:
            self._verify_kernel(self.kernel.data)
        if kind not in ACTIVATIONS:
            raise VerifyException(
                f"'dataflow.conv' op activation '{kind}' is not one of {', '.join(ACTIVATIONS)}"
            )
        if len(self.scalars) != _SCALARS.get(kind, 0):
            raise VerifyException(
                f"'dataflow.conv' op activation '{kind}' takes {_SCALARS.get(kind, 0)} "
                f"scalars, not {len(self.scalars)}"
            )
        for name in ("strides", "pads", "dilations"):
            if len(self.ints(name)) != 2:
                raise VerifyException(f"'dataflow.conv' op {name} must have 2 entries")
        for value, what in ((self.input, "input"), (self.weight, "weight")):
            shape = cast(TensorType[Attribute], value.type).get_shape()
            if len(shape) != 4:
                raise VerifyException(f"'dataflow.conv' op {what} must be 4-D, not {value.type}")
        if self.addend is not None and self.addend.type != self.output.type:
            raise VerifyException(
                f"'dataflow.conv' op addend type {self.addend.type} differs from the result "
                f"type {self.output.type}"
            )


@irdl_op_definition
class ConcatConvOp(IRDLOperation):
    """A 1x1 convolution (stride 1, no padding, one group) of the concatenation of
    `inputs` along the channels (dim 1), each ReLU'd first when `input_activation` is
    `relu`, plus the bias, then `activation`: on Ramiel's pointwise kernel, which reads
    the inputs in place of the concatenation it never writes.

    ```mlir
    %y = dataflow.concat_conv (%a, %b), %w, %bias {input_activation = "relu",
        activation = "none"}
        : (tensor<1x32x32x32xf32>, tensor<1x64x32x32xf32>, tensor<64x96x1x1xf32>,
           tensor<64xf32>) -> tensor<1x64x32x32xf32>
    ```
    """

    name = "dataflow.concat_conv"
    inputs = var_operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = operand_def(TensorType)
    output = result_def(TensorType)
    input_activation = prop_def(StringAttr)
    activation = prop_def(StringAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "`(` $inputs `)` `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        inputs: Sequence[SSAValue],
        weight: SSAValue,
        bias: SSAValue,
        result_type: Attribute,
        *,
        input_activation: str = "none",
        activation: str = "none",
    ) -> None:
        super().__init__(
            operands=[list(inputs), weight, bias],
            result_types=[result_type],
            properties={
                "input_activation": StringAttr(input_activation),
                "activation": StringAttr(activation),
            },
        )

    @property
    def kind(self) -> str:
        """What it computes, in ONNX terms: `Concat+Relu+Conv` (`+Relu`)."""
        parts = ["Concat"]
        if self.input_activation.data == "relu":
            parts.append("Relu")
        parts.append("Conv")
        if self.activation.data == "relu":
            parts.append("Relu")
        return "+".join(parts)

    def verify_(self) -> None:
        for name in ("input_activation", "activation"):
            kind = cast(StringAttr, self.properties[name]).data
            if kind not in POINTWISE_ACTIVATIONS:
                raise VerifyException(
                    f"'dataflow.concat_conv' op {name} '{kind}' is not one of "
                    f"{', '.join(POINTWISE_ACTIVATIONS)}"
                )
        if not self.inputs:
            raise VerifyException("'dataflow.concat_conv' op needs at least one input")
        out = self.output.type
        if len(out.get_shape()) != 4 or out.element_type != Float32Type():
            raise VerifyException(f"'dataflow.concat_conv' op result must be 4-D f32, not {out}")
        n, cout, h, w = out.get_shape()
        channels = 0
        for value in self.inputs:
            shaped = cast(TensorType[Attribute], value.type)
            shape = shaped.get_shape()
            if len(shape) != 4 or shaped.element_type != Float32Type():
                raise VerifyException(
                    f"'dataflow.concat_conv' op inputs must be 4-D f32, not {shaped}"
                )
            if (shape[0], shape[2], shape[3]) != (n, h, w):
                raise VerifyException(
                    f"'dataflow.concat_conv' op input {shaped} and result {out} differ in "
                    "batch, height or width"
                )
            channels += shape[1]
        weight = tuple(cast(TensorType[Attribute], self.weight.type).get_shape())
        if weight != (cout, channels, 1, 1):
            raise VerifyException(
                f"'dataflow.concat_conv' op weight must be {cout}x{channels}x1x1 (output "
                f"channels, the inputs' channels, 1, 1), not {'x'.join(map(str, weight))}"
            )
        if tuple(cast(TensorType[Attribute], self.bias.type).get_shape()) != (cout,):
            raise VerifyException(
                f"'dataflow.concat_conv' op bias must be tensor<{cout}xf32>, not {self.bias.type}"
            )


@irdl_op_definition
class ChannelsLastOp(IRDLOperation):
    """The same 4-D tensor, stored channels-last (a copy when it is not already).

    ```mlir
    %y = dataflow.channels_last %x : tensor<1x3x224x224xf32>
    ```
    """

    name = "dataflow.channels_last"
    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    output = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($output)"

    def __init__(self, input: SSAValue) -> None:
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self) -> None:
        if self.input.type != self.output.type:
            raise VerifyException("'dataflow.channels_last' op changes the type of its operand")
        if len(cast(TensorType[Attribute], self.input.type).get_shape()) != 4:
            raise VerifyException(
                f"'dataflow.channels_last' op operand must be 4-D, not {self.input.type}"
            )


POOL_MODES = ("max", "average")
"""`dataflow.pool`'s modes."""


@irdl_op_definition
class PoolOp(IRDLOperation):
    """A 2-D max or average pooling of a float32 tensor, plus `addend` when present, on
    Ramiel's pooling kernel.

    `pads` are the top and left ones (the bottom and right ones too, with
    `count_include_pad`). The output size is the result type's: windows that run past the
    input (end padding, ONNX's ceil_mode) are clipped. An average counts
    the taps inside the input, or with `count_include_pad` those inside the padded input.
    The addend (of the result's type) is added to each output as it is written.

    ```mlir
    %y = dataflow.pool %x {mode = "max", kernel_shape = array<i64: 3, 3>,
        strides = array<i64: 2, 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1, 1>}
        : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
    ```
    """

    name = "dataflow.pool"
    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(TensorType)
    addend = opt_operand_def(T)
    output = result_def(T)
    mode = prop_def(StringAttr)
    kernel_shape = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    pads = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    count_include_pad = opt_prop_def(UnitAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input (`add` $addend^)? attr-dict `:` type($input) `->` type($output)"

    def __init__(
        self,
        input: SSAValue,
        result_type: Attribute,
        *,
        mode: str,
        kernel_shape: Sequence[int],
        strides: Sequence[int],
        pads: Sequence[int],
        dilations: Sequence[int],
        count_include_pad: bool = False,
        addend: SSAValue | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            "mode": StringAttr(mode),
            "kernel_shape": DenseArrayBase.from_list(i64, kernel_shape),
            "strides": DenseArrayBase.from_list(i64, strides),
            "pads": DenseArrayBase.from_list(i64, pads),
            "dilations": DenseArrayBase.from_list(i64, dilations),
        }
        if count_include_pad:
            properties["count_include_pad"] = UnitAttr()
        super().__init__(
            operands=[input, addend], result_types=[result_type], properties=properties
        )

    @property
    def kind(self) -> str:
        """What it computes, in ONNX terms: `MaxPool`, `AveragePool`, or
        `GlobalAveragePool` for an average of one unpadded window over the whole image (what
        the fuse pass makes of one); `+Add` with an addend."""
        kind = "MaxPool" if self.mode.data == "max" else "AveragePool"
        size = cast(TensorType[Attribute], self.input.type).get_shape()[2:]
        out = self.output.type.get_shape()[2:]
        whole = self.ints("kernel_shape") == tuple(size) and self.ints("pads") == (0, 0)
        if kind == "AveragePool" and whole and tuple(out) == (1, 1):
            kind = "GlobalAveragePool"
        return kind if self.addend is None else f"{kind}+Add"

    def ints(self, name: str) -> tuple[int, ...]:
        """An int-array property (`kernel_shape`, `strides`, `pads`, `dilations`)."""
        return _int_array(self, name)

    @property
    def is_subsample(self) -> bool:
        """Whether it only picks every stride-th pixel: a 1x1 window, no padding, no
        addend, one output per pixel `range(0, size, stride)` (a max or an average of
        one tap is that tap). The printer makes it a strided view, which copies nothing."""
        if self.addend is not None or self.ints("kernel_shape") != (1, 1):
            return False
        if self.ints("pads") != (0, 0):
            return False
        size = cast(TensorType[Attribute], self.input.type).get_shape()[2:]
        out = self.output.type.get_shape()[2:]
        strides = self.ints("strides")
        return all(o == -(-i // s) for i, o, s in zip(size, out, strides, strict=True))

    def verify_(self) -> None:
        mode = self.mode.data
        if mode not in POOL_MODES:
            raise VerifyException(
                f"'dataflow.pool' op mode '{mode}' is not one of {', '.join(POOL_MODES)}"
            )
        if self.count_include_pad is not None and mode != "average":
            raise VerifyException("'dataflow.pool' op count_include_pad needs mode 'average'")
        for name in ("kernel_shape", "strides", "pads", "dilations"):
            values = self.ints(name)
            if len(values) != 2:
                raise VerifyException(f"'dataflow.pool' op {name} must have 2 entries")
            least, what = (0, "not negative") if name == "pads" else (1, "positive")
            if any(v < least for v in values):
                raise VerifyException(f"'dataflow.pool' op {name} must be {what}")
        x = cast(TensorType[Attribute], self.input.type)
        y = self.output.type
        if len(x.get_shape()) != 4 or len(y.get_shape()) != 4:
            raise VerifyException(f"'dataflow.pool' op takes and gives 4-D tensors, not {x} -> {y}")
        if x.element_type != y.element_type or x.get_shape()[:2] != y.get_shape()[:2]:
            raise VerifyException(
                f"'dataflow.pool' op result {y} must keep the element type, batch and "
                f"channels of {x}"
            )


AFFINE_ACTIVATIONS = ("none", "relu")
"""`dataflow.channel_affine`'s activations."""


@irdl_op_definition
class ChannelAffineOp(IRDLOperation):
    """`y = x * scale[c] + shift[c]` per channel `c` (dim 1) of a 4-D float32 tensor, then
    the activation: inference BatchNormalization (and the Relu after it) in one pass, on
    Ramiel's kernel.

    ```mlir
    %y = dataflow.channel_affine %x, %scale, %shift {activation = "relu"}
        : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
    ```
    """

    name = "dataflow.channel_affine"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    shift = operand_def(TensorType)
    output = result_def(TensorType)
    activation = prop_def(StringAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $scale `,` $shift attr-dict `:` "
        "`(` type($input) `,` type($scale) `,` type($shift) `)` `->` type($output)"
    )

    def __init__(
        self, input: SSAValue, scale: SSAValue, shift: SSAValue, *, activation: str = "none"
    ) -> None:
        super().__init__(
            operands=[input, scale, shift],
            result_types=[input.type],
            properties={"activation": StringAttr(activation)},
        )

    @property
    def kind(self) -> str:
        """What it computes, as traces show it: `BatchNormalization` (`+Relu`)."""
        return "BatchNormalization" + ("+Relu" if self.activation.data == "relu" else "")

    def verify_(self) -> None:
        activation = self.activation.data
        if activation not in AFFINE_ACTIVATIONS:
            raise VerifyException(
                f"'dataflow.channel_affine' op activation '{activation}' is not one of "
                f"{', '.join(AFFINE_ACTIVATIONS)}"
            )
        x = cast(TensorType[Attribute], self.input.type)
        if self.output.type != x:
            raise VerifyException(
                f"'dataflow.channel_affine' op result {self.output.type} must have the "
                f"input's type {x}"
            )
        shape = x.get_shape()
        if len(shape) != 4 or x.element_type != Float32Type():
            raise VerifyException(f"'dataflow.channel_affine' op takes a 4-D f32 tensor, not {x}")
        for name, value in (("scale", self.scale), ("shift", self.shift)):
            vector = cast(TensorType[Attribute], value.type)
            if vector.get_shape() != (shape[1],) or vector.element_type != Float32Type():
                raise VerifyException(
                    f"'dataflow.channel_affine' op {name} must be tensor<{shape[1]}xf32> "
                    f"(one per channel), not {vector}"
                )


LINEAR_ACTIVATIONS = ("none", "relu")
"""`dataflow.linear`'s activations."""


@irdl_op_definition
class LinearOp(IRDLOperation):
    """`y = x W^T + b`, then the activation: a fully connected layer of a few rows on
    Ramiel's kernel. The weight is (out, in), as `F.linear` takes it; the input's
    elements, in their logical order, are the rows (a Flatten or Reshape to (rows, in)
    need not run first), so its element count is the output's rows times `in`.

    ```mlir
    %y = dataflow.linear %x, %w, %b {activation = "none"}
        : (tensor<1x2048x1x1xf32>, tensor<1000x2048xf32>, tensor<1000xf32>) -> tensor<1x1000xf32>
    ```
    """

    name = "dataflow.linear"
    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    activation = prop_def(StringAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$input `,` $weight (`,` $bias^)? attr-dict `:` "
        "`(` type($input) `,` type($weight) (`,` type($bias)^)? `)` `->` type($output)"
    )

    def __init__(
        self,
        input: SSAValue,
        weight: SSAValue,
        bias: SSAValue | None,
        result_type: Attribute,
        *,
        activation: str = "none",
    ) -> None:
        super().__init__(
            operands=[input, weight, bias],
            result_types=[result_type],
            properties={"activation": StringAttr(activation)},
        )

    @property
    def kind(self) -> str:
        """What it computes, as traces show it: `Gemm` (`+Relu`)."""
        return "Gemm" + ("+Relu" if self.activation.data == "relu" else "")

    def verify_(self) -> None:
        activation = self.activation.data
        if activation not in LINEAR_ACTIVATIONS:
            raise VerifyException(
                f"'dataflow.linear' op activation '{activation}' is not one of "
                f"{', '.join(LINEAR_ACTIVATIONS)}"
            )
        types = {
            "input": self.input.type,
            "weight": self.weight.type,
            "result": self.output.type,
        }
        if self.bias is not None:
            types["bias"] = self.bias.type
        for what, value_type in types.items():
            if not isinstance(value_type, TensorType) or not value_type.has_static_shape():
                raise VerifyException(
                    f"'dataflow.linear' op {what} must be a static tensor, not {value_type}"
                )
            if cast(TensorType[Attribute], value_type).element_type != Float32Type():
                raise VerifyException(f"'dataflow.linear' op {what} must be f32, not {value_type}")
        weight = cast(TensorType[Attribute], self.weight.type).get_shape()
        output = self.output.type.get_shape()
        if len(weight) != 2 or len(output) != 2 or output[1] != weight[0]:
            raise VerifyException(
                f"'dataflow.linear' op weight {self.weight.type} must be (out, in) and the "
                f"result {self.output.type} (rows, out)"
            )
        count = math.prod(cast(TensorType[Attribute], self.input.type).get_shape())
        if count != output[0] * weight[1]:
            raise VerifyException(
                f"'dataflow.linear' op input {self.input.type} must hold {output[0]} rows of "
                f"{weight[1]} values"
            )
        if self.bias is not None:
            bias = cast(TensorType[Attribute], self.bias.type).get_shape()
            if bias != (weight[0],):
                raise VerifyException(
                    f"'dataflow.linear' op bias {self.bias.type} must be tensor<{weight[0]}xf32>"
                )


LRN_BETAS = (0.5, 0.75, 1.0)
"""The exponents `dataflow.lrn` computes with square roots and a division (other betas
are left to `onnx.LRN`, whose pow PyTorch vectorizes)."""


@irdl_op_definition
class LrnOp(IRDLOperation):
    """ONNX LRN of a 4-D float32 tensor on Ramiel's kernel: `y = x / (bias + alpha / size
    * sum of x^2 over channels [c - (size - 1) / 2, c + size / 2])^beta`, with beta one of
    `LRN_BETAS`.

    ```mlir
    %y = dataflow.lrn %x {size = 5 : i64, alpha = 1.0e-04 : f32, beta = 7.5e-01 : f32,
        bias = 1.0 : f32} : tensor<1x64x56x56xf32>
    ```
    """

    name = "dataflow.lrn"
    T: ClassVar = VarConstraint("T", base(TensorType))
    input = operand_def(T)
    output = result_def(T)
    size = prop_def(IntegerAttr[I64])
    alpha = prop_def(FloatAttr)
    beta = prop_def(FloatAttr)
    bias = prop_def(FloatAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input)"

    def __init__(
        self, input: SSAValue, *, size: int, alpha: float, beta: float, bias: float
    ) -> None:
        super().__init__(
            operands=[input],
            result_types=[input.type],
            properties={
                "size": IntegerAttr(size, 64),
                "alpha": FloatAttr(alpha, 32),
                "beta": FloatAttr(beta, 32),
                "bias": FloatAttr(bias, 32),
            },
        )

    @property
    def kind(self) -> str:
        """What it computes, in ONNX terms: `LRN`."""
        return "LRN"

    def verify_(self) -> None:
        x = cast(TensorType[Attribute], self.input.type)
        if len(x.get_shape()) != 4 or x.element_type != Float32Type():
            raise VerifyException(f"'dataflow.lrn' op takes a 4-D f32 tensor, not {x}")
        if self.size.value.data < 1:
            raise VerifyException(
                f"'dataflow.lrn' op size must be positive, not {self.size.value.data}"
            )
        beta = self.beta.value.data
        if beta not in LRN_BETAS:
            raise VerifyException(
                f"'dataflow.lrn' op beta {beta:g} is not one of "
                + ", ".join(f"{b:g}" for b in LRN_BETAS)
            )


Dataflow = Dialect(
    "dataflow",
    [
        WeightOp,
        ClusterOp,
        YieldOp,
        ConvOp,
        ConcatConvOp,
        ChannelsLastOp,
        PoolOp,
        ChannelAffineOp,
        LinearOp,
        LrnOp,
    ],
)
