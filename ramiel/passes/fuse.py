"""The `fuse` pass: pick fast CPU kernels for convolutions and the layout they want.

    ramiel-opt --fuse model.mlir
    ramiel-opt -p 'fuse{matmul-max-macs=0}' model.mlir    # every conv on oneDNN

1. Every 2-D `onnx.Conv` on float32 with a constant weight (a `dataflow.weight` or an
   `onnx.Constant`) and pads PyTorch can express becomes a `dataflow.conv`: one oneDNN
   convolution whose weight the generated code packs once, at load time, for its input
   shape (the kernels Inductor's freezing path calls).
2. What follows a `dataflow.conv` that has no other user is folded into it: an `onnx.Add`
   (or two-input `onnx.Sum`) of a tensor of the conv's own type (a residual connection)
   becomes the conv's `addend`, then an activation (Relu, LeakyRelu, Clip with constant
   bounds, Sigmoid, Tanh) its post-op; after an addend, only Relu (oneDNN's conv + add
   kernel takes no other).
3. Layout: oneDNN and PyTorch's pooling run fastest on channels-last tensors, and
   PyTorch ops keep the layout of their inputs. So a value is channels-last when a
   `dataflow.conv` or `dataflow.channels_last` makes it, or an op that keeps layout
   (elementwise ops, pooling, Concat, LRN...) makes it from channels-last operands only.
   A `dataflow.channels_last` is placed before each conv whose input is not channels-last
   yet, once per value: for a CNN that is one conversion, of the graph input.
4. Kernel choice: a small 1x1 convolution (stride 1, no padding, one group, at most
   `matmul-max-macs` multiply-adds, default `MATMUL_MAX_MACS`) gets `kernel = "matmul"`:
   one `torch.addmm` over the channels-last pixels. oneDNN's packed kernel costs about
   15 us more per call at 0.6M to 1M multiply-adds, one thread; from about 6M up
   it is as fast or faster (`benchmarks/conv_kernels.py` prints both).
   With `pointwise` (the default where the kernel library builds), a 1x1 convolution
   with at least 16 output channels (the kernel pads its weight matrix to a multiple of
   16: GoogLeNet's two 512 -> 24 ones ran on `addmm` at 21 GMAC/s before, and the model
   1.0% faster after, 17.48 -> 17.30 ms in an A/B), no activation but Relu (after an addend or
   not), small as above, with at least `POINTWISE_MIN_PIXELS` output pixels or with at
   most `POINTWISE_MAX_NARROW` output channels, gets
   `kernel = "pointwise"` instead: Ramiel's kernel, one call where the matrix product
   takes six dispatches, 1.2x to 1.5x faster than it on NASNet's 1x1 convolutions and
   as fast as oneDNN on ResNet-50's (`benchmarks/native_kernels.py`).
   A depthwise convolution (one group per channel, as many outputs as inputs) with no
   addend and no activation but Relu gets `kernel = "depthwise"`: Ramiel's own kernel
   (`ramiel.kernels`), which skips the ~18 us PyTorch spends setting up each oneDNN call
   (oneDNN's arithmetic takes ~2 us on these tensors). `depthwise=false` keeps them on
   oneDNN; the compiler passes that where the kernel library cannot be built.
   A 1x1 convolution on the pointwise kernel, without an addend, whose input is a
   channel `onnx.Concat` or that Concat's Relu becomes a `dataflow.concat_conv`: the
   kernel reads the Concat's inputs (ReLU'd as it reads them) and the concatenation is
   never written. NASNet's cells end in a Concat and a Relu read only by two such
   convolutions: 1.09x to 1.20x faster than Concat, Relu and the kernel (6x32x32x32 ->
   64 in 233 us against 273, one thread; `benchmarks/native_kernels.py`).
   Such a convolution whose input is a view of a Relu (a 1x1 pool that only subsamples,
   which the printer makes a strided view, or a Slice of the rows and columns) becomes a
   `dataflow.concat_conv` of one input, the same view of the Relu's input, ReLU'd as the
   kernel reads it in place: NASNet's factorized reductions ReLU a whole 32x32 tensor
   and copy two subsamplings of it, where the kernels now read a quarter of it.
   A convolution of an image of at most `DIRECT_MAX_INPUT_CHANNELS` channels (one group,
   output channels in multiples of 16, no addend, no activation but Relu: a CNN's RGB
   stem) gets `kernel = "direct"`: Ramiel's kernel reads the NCHW image as it comes (no
   `dataflow.channels_last` before it) and writes channels-last. The stem runs first,
   with nothing to overlap it, and there oneDNN is a cold path: NASNet-style's stem took
   24 + 151 us in the model (conversion and convolution), 62 on this kernel; on
   ResNet-50's 7x7 stem, hot, the two are about even: the convolutions alone 2.35 ms
   against 2.26 on one thread, and with oneDNN's input conversion runs of
   `benchmarks/native_kernels.py` printed speedups of 0.96x to 1.2x on one thread (this
   machine's noise) and 1.39x on two.
   `direct=false` keeps oneDNN.
   A 3x3 convolution at stride 1 (dilation 1, one group, channels in multiples of 16,
   no activation but Relu, after an addend or not) whose transformed weight is at most
   `WINOGRAD_MAX_WEIGHT_BYTES_PER_TILE` per 2x2 output tile gets `kernel = "winograd"`:
   Ramiel's kernel by Winograd's F(2x2, 3x3), 2.25x fewer multiply-adds than oneDNN's
   direct convolution, and 1.2x to 2.1x faster than it on ResNet-50's, GoogLeNet's and
   DenseNet-121's 3x3 convolutions that it takes, on two threads, hot or with weights
   cold (`benchmarks/native_kernels.py --only 3x3 [--cold]`).
   `winograd=false` keeps oneDNN.
5. A 2-D `onnx.MaxPool` (without indices) or `onnx.AveragePool` on float32 with static
   shapes and symmetric or VALID pads (or asymmetric ones, but for an average that
   counts the padding: the result type fixes where the windows end, and taps past the
   input are left out) becomes a `dataflow.pool`: Ramiel's pooling
   kernel, 2x to 4x faster than PyTorch's channels-last pooling on GoogLeNet's and
   NASNet's tensors (`benchmarks/native_kernels.py`). An `onnx.Add` that is a pool's
   sole user, of a tensor of the pool's type, becomes its addend (NASNet's cells add
   poolings to other branches). A GlobalAveragePool of a channels-last tensor becomes
   one too, a window of the whole image: the call shares the hot path of the other
   pools, where `mean` is a cold one (NASNet-style's head: 53 us in the model against
   7.6, `/GlobalAveragePool` of `profile_costs`). `pool=false` keeps PyTorch's.
6. An inference `onnx.BatchNormalization` of a 4-D float32 tensor with constant
   parameters becomes a `dataflow.channel_affine` (`x * scale + shift` per channel, the
   two vectors computed here), with the Relu that is its sole user folded in: Ramiel's
   kernel, one parallel pass where PyTorch makes two (3.6x to 3.9x faster on DenseNet-121's
   pre-activations). `affine=false` keeps `F.batch_norm`.
7. A float32 `onnx.Gemm` of at most `LINEAR_MAX_ROWS` rows by a constant weight in
   `F.linear`'s form (transB=1, alpha and beta 1, no bias or a vector) becomes a
   `dataflow.linear`: Ramiel's kernel on the weight in column blocks. It reads through a
   Flatten or Reshape that makes its input (the kernel takes the elements in their
   logical order), and takes the Relu that is its sole user. A classifier runs once per
   call with nothing to overlap it, and there `F.linear` is a cold path: NASNet-style's
   576 -> 10 head took 43 us in the model (3 us hot); ResNet-50's 2048 -> 1000 takes 49
   us on two threads where F.linear takes 132 (gemv on one). `linear=false` keeps
   `F.linear`.
8. A float32 4-D `onnx.LRN` whose beta is 0.5, 0.75 or 1 becomes a `dataflow.lrn`:
   Ramiel's kernel, one pass with square roots for the pow (GoogLeNet's two: 157 and 90
   us against 782 and 577 for `rt.lrn`, one thread; `benchmarks/native_kernels.py`). Its
   result is channels-last. `lrn=false` keeps `rt.lrn`.

BatchNormalization after a Conv is already folded into its weights by canonicalization;
step 6 is for those that follow something else (DenseNet's Concat).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import Float32Type, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Block, Operation, OpResult, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter
from xdsl.transforms.dead_code_elimination import region_dce

from ramiel.dialects import onnx_ops as onnx
from ramiel.dialects.dataflow import (
    DEPTHWISE_ACTIVATIONS,
    DEPTHWISE_KERNEL,
    DIRECT_ACTIVATIONS,
    DIRECT_KERNEL,
    LRN_BETAS,
    MATMUL_KERNEL,
    POINTWISE_ACTIVATIONS,
    POINTWISE_KERNEL,
    POINTWISE_LANES,
    WINOGRAD_ACTIVATIONS,
    WINOGRAD_KERNEL,
    ChannelAffineOp,
    ChannelsLastOp,
    ConcatConvOp,
    ConvOp,
    LinearOp,
    LrnOp,
    PoolOp,
    WeightOp,
)
from ramiel.passes.canonicalize import ConstantValues
from ramiel.passes.patterns.batch_norm import inference_affine
from ramiel.passes.values import static_shape, value_of
from ramiel.weights import WeightStore, attach_weights, weights_of

_FLOAT_MAX = float(np.finfo(np.float32).max)

_KEEPS_LAYOUT: tuple[type[Operation], ...] = (
    onnx.ReluOp,
    onnx.LeakyReluOp,
    onnx.ClipOp,
    onnx.SigmoidOp,
    onnx.TanhOp,
    onnx.AddOp,
    onnx.SumOp,
    onnx.SubOp,
    onnx.MulOp,
    onnx.DivOp,
    onnx.MaxPoolOp,
    onnx.AveragePoolOp,
    onnx.ConcatOp,
    onnx.LRNOp,
    onnx.BatchNormalizationOp,
    onnx.DropoutOp,
    onnx.IdentityOp,
    onnx.SliceOp,
)
"""Ops whose PyTorch lowering gives channels-last results for channels-last operands (a
Slice is a view with their strides)."""

MATMUL_MAX_MACS = 4_000_000
"""The largest 1x1 convolution, in multiply-adds, that runs as a matrix product."""


@dataclass(frozen=True)
class FusePass(ModulePass):
    """Fuse Conv (+ Add) (+ activation) into `dataflow.conv` and lay tensors out
    channels-last for them; see the module docstring."""

    name = "fuse"

    matmul_max_macs: int = MATMUL_MAX_MACS
    """The largest 1x1 convolution (multiply-adds) that runs as a matrix product; 0: none."""

    depthwise: bool = True
    """Run depthwise convolutions on Ramiel's own kernel (`ramiel.kernels`)."""

    pointwise: bool = True
    """Run 1x1 convolutions on Ramiel's own kernel (`ramiel.kernels`) where it pays."""

    pool: bool = True
    """Run 2-D max and average pooling on Ramiel's own kernel (`ramiel.kernels`)."""

    affine: bool = True
    """Run inference BatchNormalization (+ Relu) on Ramiel's own kernel (`ramiel.kernels`)."""

    linear: bool = True
    """Run batch-1 fully connected layers on Ramiel's own kernel (`ramiel.kernels`)."""

    direct: bool = True
    """Run convolutions of few-channel images on Ramiel's own kernel (`ramiel.kernels`)."""

    lrn: bool = True
    """Run LRN on Ramiel's own kernel (`ramiel.kernels`)."""

    winograd: bool = True
    """Run 3x3 convolutions at stride 1 on Ramiel's Winograd kernel (`ramiel.kernels`)."""

    @classmethod
    def for_kernels(cls, available: bool) -> FusePass:
        """The pass with every choice of Ramiel's own kernels on where the kernel library
        is `available`, and off (oneDNN and PyTorch's ops only) where it is not."""
        return cls(
            depthwise=available,
            pointwise=available,
            pool=available,
            affine=available,
            linear=available,
            direct=available,
            lrn=available,
            winograd=available,
        )

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        del ctx
        store = weights_of(op)
        if store is None:
            store = WeightStore({})
            attach_weights(op, store)
        constants = ConstantValues(store)
        for block in _blocks(op):
            for conv in [o for o in block.ops if isinstance(o, onnx.ConvOp)]:
                _to_kernel(conv, constants)
            for kernel in [o for o in block.ops if isinstance(o, ConvOp)]:
                _fold_users(kernel)
            for kernel in [o for o in block.ops if isinstance(o, ConvOp)]:
                small = _small_pointwise(kernel, self.matmul_max_macs)
                if self.pointwise and _native_pointwise(kernel, small):
                    kernel.properties["kernel"] = StringAttr(POINTWISE_KERNEL)
                elif small:
                    kernel.properties["kernel"] = StringAttr(MATMUL_KERNEL)
                elif self.depthwise and _plain_depthwise(kernel):
                    kernel.properties["kernel"] = StringAttr(DEPTHWISE_KERNEL)
                elif self.direct and _stem(kernel):
                    kernel.properties["kernel"] = StringAttr(DIRECT_KERNEL)
                elif self.winograd and _winograd(kernel):
                    kernel.properties["kernel"] = StringAttr(WINOGRAD_KERNEL)
            if self.pool:
                for pool in [o for o in block.ops if isinstance(o, _POOLS)]:
                    _to_pool(pool)
                for pool in [o for o in block.ops if isinstance(o, PoolOp)]:
                    _fold_add(pool)
            if self.affine:
                for bn in [o for o in block.ops if isinstance(o, onnx.BatchNormalizationOp)]:
                    _to_affine(bn, constants)
            if self.linear:
                for gemm in [o for o in block.ops if isinstance(o, onnx.GemmOp)]:
                    _to_linear(gemm)
            if self.lrn:
                for lrn in [o for o in block.ops if isinstance(o, onnx.LRNOp)]:
                    _to_lrn(lrn)
            if self.pointwise:
                for kernel in [o for o in block.ops if isinstance(o, ConvOp)]:
                    _read_relu_view(kernel, constants)
                for kernel in [o for o in block.ops if isinstance(o, ConvOp)]:
                    _read_concat(kernel)
            _place_channels_last(block, global_pool=self.pool)
        region_dce(op.body)


def _blocks(module: ModuleOp) -> Iterator[Block]:
    for op in module.walk():
        for region in op.regions:
            yield from region.blocks


def _is_f32(value: SSAValue, rank: int | None = None) -> bool:
    """Whether `value` is a float32 tensor (of `rank` dimensions, when given)."""
    value_type: Attribute = value.type
    if not isinstance(value_type, TensorType):
        return False
    shaped = cast(TensorType[Attribute], value_type)
    return shaped.element_type == Float32Type() and rank in (None, len(shaped.get_shape()))


def _ints(
    op: onnx.ConvOp | onnx.MaxPoolOp | onnx.AveragePoolOp, name: str, default: tuple[int, ...]
) -> tuple[int, ...]:
    value = op.onnx_attribute(name)
    return default if value is None else tuple(int(v) for v in cast(tuple[int, ...], value))


def _to_kernel(conv: onnx.ConvOp, constants: ConstantValues) -> None:
    """Replace `conv` by a `dataflow.conv` when a oneDNN kernel can run it."""
    if not (_is_f32(conv.X, 4) and _is_f32(conv.W, 4) and _is_f32(conv.Y, 4)):
        return
    if static_shape(conv.X) is None or static_shape(conv.Y) is None:
        return
    if not isinstance(conv.W.owner, WeightOp | onnx.ConstantOp):
        return
    weight_shape = static_shape(conv.W)
    if weight_shape is None:
        return
    auto_pad = str(conv.onnx_attribute("auto_pad") or "NOTSET")
    pads = _ints(conv, "pads", (0, 0, 0, 0))
    if auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    elif auto_pad != "NOTSET" or pads[:2] != pads[2:]:
        return  # SAME_* and asymmetric pads stay with the plain lowering (F.pad first)
    bias = conv.B
    new_ops: list[Operation] = []
    if bias is None:
        zeros = np.zeros(weight_shape[0], np.float32)
        hint = f"{conv.Y.name_hint}_bias" if conv.Y.name_hint else None
        bias_op = constants.build(zeros, Float32Type(), hint, conv)
        new_ops.append(bias_op)
        bias = bias_op.results[0]
    kernel = ConvOp(
        conv.X,
        conv.W,
        bias,
        conv.Y.type,
        strides=_ints(conv, "strides", (1, 1)),
        pads=pads[:2],
        dilations=_ints(conv, "dilations", (1, 1)),
        group=int(cast(int, conv.onnx_attribute("group"))),
    )
    kernel.location = conv.location
    kernel.output.name_hint = conv.Y.name_hint
    new_ops.append(kernel)
    Rewriter.replace_op(conv, new_ops, [kernel.output])


_POOLS = (onnx.MaxPoolOp, onnx.AveragePoolOp)


def _to_pool(pool: onnx.MaxPoolOp | onnx.AveragePoolOp) -> None:
    """Replace `pool` by a `dataflow.pool` when Ramiel's pooling kernel can run it."""
    x, y = pool.operands[0], pool.results[0]
    if not (_is_f32(x, 4) and _is_f32(y, 4)) or static_shape(x) is None:
        return
    if static_shape(y) is None or len(pool.results) > 1:
        return  # the kernel gives no indices
    auto_pad = str(pool.onnx_attribute("auto_pad") or "NOTSET")
    pads = _ints(pool, "pads", (0, 0, 0, 0))
    if auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    elif auto_pad != "NOTSET":
        return
    average = isinstance(pool, onnx.AveragePoolOp)
    include_pad = average and bool(pool.onnx_attribute("count_include_pad"))
    if include_pad and pads[:2] != pads[2:]:
        return  # the kernel would count the begin pads' taps at the end too
    kernel = PoolOp(
        x,
        y.type,
        mode="average" if average else "max",
        kernel_shape=_ints(pool, "kernel_shape", ()),
        strides=_ints(pool, "strides", (1, 1)),
        pads=pads[:2],
        dilations=_ints(pool, "dilations", (1, 1)),
        count_include_pad=include_pad,
    )
    kernel.location = pool.location
    kernel.output.name_hint = y.name_hint
    Rewriter.replace_op(pool, [kernel], [kernel.output])


def _global_to_pool(pool: onnx.GlobalAveragePoolOp) -> PoolOp | None:
    """Replace `pool` by a `dataflow.pool` averaging one window of the whole image, when
    Ramiel's pooling kernel can run it."""
    shape = static_shape(pool.X)
    if not (_is_f32(pool.X, 4) and _is_f32(pool.Y, 4)) or shape is None:
        return None
    kernel = PoolOp(
        pool.X,
        pool.Y.type,
        mode="average",
        kernel_shape=shape[2:],
        strides=(1, 1),
        pads=(0, 0),
        dilations=(1, 1),
    )
    kernel.location = pool.location
    kernel.output.name_hint = pool.Y.name_hint
    Rewriter.replace_op(pool, [kernel], [kernel.output])
    return kernel


LINEAR_MAX_ROWS = 8
"""The most rows (batch) a Gemm may have to run on Ramiel's linear kernel, which reads
the weight once per row."""


def _to_linear(gemm: onnx.GemmOp) -> None:
    """Replace `gemm` (and the Relu that is its sole user) by a `dataflow.linear` when
    Ramiel's kernel computes it."""
    a, weight, bias, y = gemm.A, gemm.B, gemm.C, gemm.Y
    a_shape, weight_shape = static_shape(a), static_shape(weight)
    if not (_is_f32(a, 2) and _is_f32(weight, 2) and _is_f32(y, 2)):
        return
    if a_shape is None or weight_shape is None or a_shape[0] > LINEAR_MAX_ROWS:
        return
    if not _is_constant(weight) or not gemm.onnx_attribute("transB"):
        return
    if gemm.onnx_attribute("transA") or float(cast(float, gemm.onnx_attribute("alpha"))) != 1.0:
        return
    if bias is not None and (
        float(cast(float, gemm.onnx_attribute("beta"))) != 1.0
        or not _is_f32(bias, 1)
        or static_shape(bias) != (weight_shape[0],)
    ):
        return
    source = a.owner
    if isinstance(source, onnx.FlattenOp | onnx.ReshapeOp) and source.parent_block() is (
        gemm.parent_block()
    ):
        data = source.operands[0]
        if _is_f32(data) and static_shape(data) is not None:
            a = data  # the kernel reads rows in logical order: the reshape is a view
    relu = _sole_relu(y)
    linear = LinearOp(a, weight, bias, y.type, activation="none" if relu is None else "relu")
    linear.location = gemm.location
    if relu is None:
        linear.output.name_hint = y.name_hint
        Rewriter.replace_op(gemm, [linear], [linear.output])
    else:
        _replace_pair(gemm, relu, linear)


def _to_lrn(lrn: onnx.LRNOp) -> None:
    """Replace `lrn` by a `dataflow.lrn` when Ramiel's kernel computes it."""
    if not (_is_f32(lrn.X, 4) and _is_f32(lrn.Y, 4)) or static_shape(lrn.X) is None:
        return
    beta = float(cast(float, lrn.onnx_attribute("beta")))
    if beta not in LRN_BETAS:
        return
    kernel = LrnOp(
        lrn.X,
        size=int(cast(int, lrn.onnx_attribute("size"))),
        alpha=float(cast(float, lrn.onnx_attribute("alpha"))),
        beta=beta,
        bias=float(cast(float, lrn.onnx_attribute("bias"))),
    )
    kernel.location = lrn.location
    kernel.output.name_hint = lrn.Y.name_hint
    Rewriter.replace_op(lrn, [kernel], [kernel.output])


def _sole_relu(value: SSAValue) -> onnx.ReluOp | None:
    """The Relu in `value`'s block that is its sole user, if there is one."""
    if not value.has_one_use():
        return None
    user = next(iter(value.uses)).operation
    owner = value.owner
    if not isinstance(user, onnx.ReluOp) or not isinstance(owner, Operation):
        return None
    return user if user.parent_block() is owner.parent_block() else None


def _fold_add(pool: PoolOp) -> None:
    """Fold into `pool` the Add of another tensor of its type that is its sole user."""
    if pool.addend is not None or not pool.output.has_one_use():
        return
    user = next(iter(pool.output.uses)).operation
    if user.parent_block() is not pool.parent_block():
        return
    other = _other_summand(user, pool.output)
    if other is None:
        return
    fused = PoolOp(
        pool.input,
        pool.output.type,
        mode=pool.mode.data,
        kernel_shape=pool.ints("kernel_shape"),
        strides=pool.ints("strides"),
        pads=pool.ints("pads"),
        dilations=pool.ints("dilations"),
        count_include_pad=pool.count_include_pad is not None,
        addend=other,
    )
    _replace_pair(pool, user, fused)


def _to_affine(bn: onnx.BatchNormalizationOp, constants: ConstantValues) -> None:
    """Replace `bn` (and the Relu that is its sole user) by a `dataflow.channel_affine`."""
    shape = static_shape(bn.X)
    if not (_is_f32(bn.X, 4) and _is_f32(bn.Y, 4)) or shape is None:
        return
    affine = inference_affine(bn, constants)
    if affine is None or affine[0].shape != (shape[1],):
        return
    new_ops = [
        constants.build(vector.astype(np.float32), Float32Type(), hint, bn)
        for vector, hint in zip(affine, _affine_hints(bn), strict=True)
    ]
    user = next(iter(bn.Y.uses)).operation if bn.Y.has_one_use() else None
    relu = user if isinstance(user, onnx.ReluOp) else None
    if relu is not None and relu.parent_block() is not bn.parent_block():
        relu = None
    kernel = ChannelAffineOp(
        bn.X,
        new_ops[0].results[0],
        new_ops[1].results[0],
        activation="none" if relu is None else "relu",
    )
    result = bn.Y if relu is None else relu.Y
    kernel.location = bn.location
    kernel.output.name_hint = result.name_hint
    # The kernel takes the place of the last op it replaces: its input is defined there.
    Rewriter.insert_op([*new_ops, kernel], InsertPoint.before(relu or bn))
    result.replace_all_uses_with(kernel.output)
    if relu is not None:
        Rewriter.erase_op(relu)
    Rewriter.erase_op(bn)


def _affine_hints(bn: onnx.BatchNormalizationOp) -> tuple[str | None, str | None]:
    hint = bn.Y.name_hint
    return (None, None) if hint is None else (f"{hint}_scale", f"{hint}_shift")


def _activation(op: Operation) -> tuple[str, tuple[float, ...]] | None:
    """The oneDNN post-op that computes `op` from its first operand, if there is one."""
    if isinstance(op, onnx.ReluOp):
        return "relu", ()
    if isinstance(op, onnx.SigmoidOp):
        return "sigmoid", ()
    if isinstance(op, onnx.TanhOp):
        return "tanh", ()
    if isinstance(op, onnx.LeakyReluOp):
        return "leaky_relu", (float(cast(float, op.onnx_attribute("alpha"))),)
    if isinstance(op, onnx.ClipOp):
        bounds: list[float] = []
        for bound, default in ((op.min, -_FLOAT_MAX), (op.max, _FLOAT_MAX)):
            if bound is None:
                bounds.append(default)
                continue
            array = value_of(bound)
            if array is None or array.size != 1:
                return None
            bounds.append(float(array.reshape(-1)[0]))
        return "hardtanh", (bounds[0], bounds[1])
    return None


def _fold_users(kernel: ConvOp) -> None:
    """Fold into `kernel` the Add and the activation that are the sole users of its result."""
    while kernel.output.has_one_use() and kernel.activation.data == "none":
        user = next(iter(kernel.output.uses)).operation
        if user.parent_block() is not kernel.parent_block() or len(user.results) != 1:
            return
        addend: SSAValue | None = kernel.addend
        activation: tuple[str, tuple[float, ...]] = ("none", ())
        if _is_sum(user) and kernel.addend is None:
            addend = _other_summand(user, kernel.output)
            if addend is None:
                return
        else:
            found = _activation(user)
            if found is None or user.operands[0] is not kernel.output:
                return
            if kernel.addend is not None and found[0] != "relu":
                return  # oneDNN's conv + add kernel takes no other activation
            if user.results[0].type != kernel.output.type:
                return
            activation = found
        fused = ConvOp(
            kernel.input,
            kernel.weight,
            kernel.bias,
            kernel.output.type,
            strides=kernel.ints("strides"),
            pads=kernel.ints("pads"),
            dilations=kernel.ints("dilations"),
            group=kernel.group.value.data,
            activation=activation[0],
            activation_scalars=activation[1],
            addend=addend,
            kernel=None if kernel.kernel is None else kernel.kernel.data,
        )
        _replace_pair(kernel, user, fused)
        kernel = fused


def _small_pointwise(kernel: ConvOp, max_macs: int) -> bool:
    """Whether `kernel` is a 1x1 convolution of at most `max_macs` multiply-adds, for the
    matrix-product kernel."""
    weight = static_shape(kernel.weight)
    output = static_shape(kernel.output)
    if weight is None or output is None or kernel.kernel is not None:
        return False
    if not kernel.is_pointwise:
        return False
    macs = int(np.prod(output, dtype=np.int64)) * weight[1]
    return macs <= max_macs


POINTWISE_MIN_PIXELS = 28 * 28
"""The fewest output pixels for which a 1x1 convolution too large for the matrix-product
kernel runs on Ramiel's pointwise kernel rather than oneDNN whatever its output channels
(with fewer pixels and many output channels, two threads split it less evenly than
oneDNN does: 832x7x7 -> 256 takes 139 us against 125)."""

POINTWISE_MAX_NARROW = 128
"""The most output channels for which a 1x1 convolution with fewer pixels runs on the
pointwise kernel: up to here it is faster than oneDNN on one thread and on two (NASNet's
384x16x16 -> 64 in 115 us against 141 on one, GoogLeNet's 832x7x7 -> 128 in 71 us
against 76 on two; `benchmarks/native_kernels.py`)."""


def _native_pointwise(kernel: ConvOp, small: bool) -> bool:
    """Whether Ramiel's pointwise kernel computes `kernel`: a 1x1 convolution with at least
    16 output channels and no activation but Relu, small, with many pixels or with few
    output channels."""
    weight = static_shape(kernel.weight)
    output = static_shape(kernel.output)
    if weight is None or output is None or kernel.kernel is not None:
        return False
    if not kernel.is_pointwise or kernel.activation.data not in POINTWISE_ACTIVATIONS:
        return False
    if weight[0] < POINTWISE_LANES:
        return False  # less than one vector of outputs: mostly padding
    pixels = output[0] * output[2] * output[3]
    return small or pixels >= POINTWISE_MIN_PIXELS or weight[0] <= POINTWISE_MAX_NARROW


def _plain_depthwise(kernel: ConvOp) -> bool:
    """Whether the depthwise kernel computes `kernel`: depthwise, no addend, no activation
    but Relu."""
    return (
        kernel.kernel is None
        and kernel.is_depthwise
        and kernel.addend is None
        and kernel.activation.data in DEPTHWISE_ACTIVATIONS
    )


DIRECT_MAX_INPUT_CHANNELS = 4
"""The most input channels of a convolution on Ramiel's direct kernel, which takes one
input value at a time (an RGB stem has 3)."""


def _stem(kernel: ConvOp) -> bool:
    """Whether the direct kernel computes `kernel`: one group, at most
    `DIRECT_MAX_INPUT_CHANNELS` input channels, output channels in multiples of 16, no
    addend and no activation but Relu."""
    weight = static_shape(kernel.weight)
    return (
        weight is not None
        and kernel.kernel is None
        and kernel.group.value.data == 1
        and weight[1] <= DIRECT_MAX_INPUT_CHANNELS
        and weight[0] % POINTWISE_LANES == 0
        and kernel.addend is None
        and kernel.activation.data in DIRECT_ACTIVATIONS
    )


WINOGRAD_MAX_WEIGHT_BYTES_PER_TILE = 128 << 10
"""The largest transformed weight (16 matrices of C_in x C_out floats), per 2x2 tile of
output pixels, of a convolution on the Winograd kernel. The weight is 16/9 the size of
oneDNN's and is read from memory once or twice per call; with few tiles those reads
dominate. With a cold cache, two threads (`benchmarks/native_kernels.py --threads 2
--only 3x3 --cold`, two runs), ResNet-50's 256 -> 256 at 14x14 (84 KiB a tile) ran 1.22x
and 1.64x faster than oneDNN and DenseNet-121's 128 -> 32 at 7x7 (16 KiB) 1.75x and
2.08x, but ResNet-50's 256 -> 256 at 7x7 (256 KiB) ran 0.54x and 0.58x, GoogLeNet's
192 -> 384 at 7x7 (288 KiB) 0.62x and 0.68x, and ResNet-50's 512 -> 512 at 7x7 (1 MiB)
0.56x and 0.58x."""


def _winograd(kernel: ConvOp) -> bool:
    """Whether the Winograd kernel computes `kernel`, and pays: a 3x3 convolution at
    stride 1 it can run, with no activation but Relu and a transformed weight of at most
    `WINOGRAD_MAX_WEIGHT_BYTES_PER_TILE` per output tile."""
    weight = static_shape(kernel.weight)
    output = static_shape(kernel.output)
    if weight is None or output is None or kernel.kernel is not None:
        return False
    if not kernel.is_winograd_3x3 or kernel.activation.data not in WINOGRAD_ACTIVATIONS:
        return False
    tiles = output[0] * -(-output[2] // 2) * -(-output[3] // 2)
    return 16 * weight[0] * weight[1] * 4 <= WINOGRAD_MAX_WEIGHT_BYTES_PER_TILE * tiles


def _read_concat(kernel: ConvOp) -> None:
    """Replace `kernel`, on the pointwise kernel without an addend, by a
    `dataflow.concat_conv` when its input is a channel Concat (or that Concat's Relu):
    the convolution then reads the Concat's inputs, and the Concat (and Relu) go when
    nothing else uses them."""
    if not kernel.on_pointwise_kernel or kernel.addend is not None:
        return
    source = kernel.input.owner
    relu = source if isinstance(source, onnx.ReluOp) else None
    concat = relu.X.owner if relu is not None else source
    if not isinstance(concat, onnx.ConcatOp) or concat.parent_block() is not kernel.parent_block():
        return
    parts = list(concat.inputs)
    if int(cast(int, concat.onnx_attribute("axis"))) not in (1, -3):
        return
    if not all(_is_f32(v, 4) and static_shape(v) is not None for v in parts):
        return
    _replace_by_concat_conv(kernel, parts, "none" if relu is None else "relu")


def _replace_by_concat_conv(kernel: ConvOp, parts: list[SSAValue], input_activation: str) -> None:
    """Replace `kernel` by a `dataflow.concat_conv` of `parts` with its weight, bias and
    activation."""
    fused = ConcatConvOp(
        parts,
        kernel.weight,
        kernel.bias,
        kernel.output.type,
        input_activation=input_activation,
        activation=kernel.activation.data,
    )
    fused.location = kernel.location
    fused.output.name_hint = kernel.output.name_hint
    Rewriter.replace_op(kernel, fused)


def _spatial_view(op: Operation, constants: ConstantValues) -> SSAValue | None:
    """The tensor `op` views when it picks rows and columns of a 4-D float32 tensor, all
    its channels kept: a subsampling `dataflow.pool` or an `onnx.Slice` of axes 2 and 3
    with constant positive steps. The pointwise kernel reads such a view in place."""
    if isinstance(op, PoolOp):
        return op.input if op.is_subsample else None  # no addend either
    if not isinstance(op, onnx.SliceOp) or op.axes is None or not _is_f32(op.data, 4):
        return None
    axes = constants.value(op.axes)
    steps = constants.value(op.steps) if op.steps is not None else np.ones(1, np.int64)
    if axes is None or steps is None or static_shape(op.results[0]) is None:
        return None
    if not set(axes.tolist()) <= {2, 3, -2, -1} or not (steps > 0).all():
        return None
    return op.data


def _read_relu_view(kernel: ConvOp, constants: ConstantValues) -> None:
    """Replace `kernel`, on the pointwise kernel without an addend, by a
    `dataflow.concat_conv` of one input when it reads views (`_spatial_view`) of a Relu:
    the same views of the Relu's input, ReLU'd as the kernel reads them. The views copy
    nothing, and the Relu goes when nothing else reads it: NASNet's factorized reduction
    ReLUs its 32x32 input, then subsamples it twice (once shifted by a pixel) for two 1x1
    convolutions, which then read a quarter of it."""
    if not kernel.on_pointwise_kernel or kernel.addend is not None:
        return
    block = kernel.parent_block()
    chain: list[Operation] = []
    value = kernel.input
    while isinstance(value, OpResult) and value.op.parent_block() is block:
        source = _spatial_view(value.op, constants)
        if source is None:
            break
        chain.append(value.op)
        value = source
    relu = value.owner
    if not chain or not isinstance(relu, onnx.ReluOp) or relu.parent_block() is not block:
        return
    value = relu.X
    if not _is_f32(value, 4) or static_shape(value) is None:
        return
    for view in reversed(chain):
        copy = view.clone()
        copy.operands[0] = value
        if view.results[0].name_hint:
            copy.results[0].name_hint = f"{view.results[0].name_hint}_of_input"
        Rewriter.insert_op(copy, InsertPoint.before(kernel))
        value = copy.results[0]
    _replace_by_concat_conv(kernel, [value], "relu")


def _other_summand(user: Operation, value: SSAValue) -> SSAValue | None:
    """When `user` is a sum of `value` and another tensor of its type, giving that type
    (a residual Add a kernel can take as its addend): the other tensor."""
    if not _is_sum(user) or user.results[0].type != value.type:
        return None
    first, second = user.operands
    other = second if first is value else first
    return None if other is value or other.type != value.type else other


def _replace_pair(producer: Operation, user: Operation, fused: Operation) -> None:
    """Replace `producer` and its sole `user` by `fused`, which computes the user's result."""
    fused.location = producer.location
    fused.results[0].name_hint = user.results[0].name_hint
    # The fused op takes the user's place: an addend is defined before it there.
    Rewriter.insert_op(fused, InsertPoint.before(user))
    user.results[0].replace_all_uses_with(fused.results[0])
    Rewriter.erase_op(user)
    Rewriter.erase_op(producer)


def _is_sum(op: Operation) -> bool:
    """An `onnx.Add`, or an `onnx.Sum` of two tensors (older exporters' residual add)."""
    return isinstance(op, onnx.AddOp) or (isinstance(op, onnx.SumOp) and len(op.operands) == 2)


def _place_channels_last(block: Block, *, global_pool: bool = True) -> None:
    """Mark channels-last values in block order; convert each conv input that is not
    (each input of a `dataflow.concat_conv`). With `global_pool`, a GlobalAveragePool of a
    channels-last tensor becomes a `dataflow.pool` (step 5)."""
    channels_last: set[SSAValue] = set()
    converted: dict[SSAValue, SSAValue] = {}
    for op in list(block.ops):
        if isinstance(op, onnx.GlobalAveragePoolOp) and global_pool and op.X in channels_last:
            pool = _global_to_pool(op)
            if pool is not None:
                channels_last.add(pool.output)
        elif isinstance(op, ConvOp) and op.on_direct_kernel:
            channels_last.add(op.output)  # the kernel reads NCHW, writes channels-last
        elif isinstance(op, ConvOp | ConcatConvOp):
            inputs = range(len(op.inputs)) if isinstance(op, ConcatConvOp) else range(1)
            for index in inputs:
                source = op.operands[index]
                if source in channels_last or _is_constant(source):
                    continue
                if source not in converted:
                    convert = ChannelsLastOp(source)
                    convert.location = op.location
                    if source.name_hint:
                        convert.output.name_hint = f"{source.name_hint}_nhwc"
                    Rewriter.insert_op(convert, InsertPoint.before(op))
                    converted[source] = convert.output
                    channels_last.add(convert.output)
                op.operands[index] = converted[source]
            channels_last.add(op.output)
        elif isinstance(op, PoolOp) and op.is_subsample:
            if op.input in channels_last:  # a view: the layout of its input
                channels_last.add(op.output)
        elif isinstance(op, ChannelsLastOp | PoolOp | LrnOp):
            channels_last.add(op.output)
        elif isinstance(op, ChannelAffineOp):
            if op.input in channels_last:
                channels_last.add(op.output)
        elif isinstance(op, _KEEPS_LAYOUT):
            spatial = [v for v in op.operands if _is_f32(v, 4) and not _is_constant(v)]
            if spatial and all(v in channels_last for v in spatial):
                channels_last.update(op.results)


def _is_constant(value: SSAValue) -> bool:
    return isinstance(value.owner, WeightOp | onnx.ConstantOp)
