"""Rewrite ONNX nodes of older operator versions into the form of the current schema.

The `onnx` dialect follows the newest schema of each operator. A model of opset
7 to 27 may use older versions whose attributes later became inputs (Reshape,
Split, Squeeze, Unsqueeze, Slice, Pad, Clip, TopK, the reductions), whose
inputs moved (Resize 10) or whose semantics changed (Softmax, LogSoftmax and
Hardmax before opset 13 flatten the input to 2-D). Each rule below turns one
such node into nodes of the current version, with the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from onnx import NodeProto, TensorProto, defs, helper

from ramiel.importer.errors import OnnxImportError, describe_node


@dataclass
class ValueShape:
    """What shape inference knows of a value: element type and dims (None: unknown)."""

    elem_type: int
    dims: list[int | None] | None


@dataclass
class NormalizeContext:
    """What a rule may ask of the importer: value types, fresh names and new constants."""

    opset: int
    shapes: dict[str, ValueShape]
    used: set[str] = field(default_factory=set[str])
    """Names read by some node or returned by some graph, in any graph of the model."""
    constants: dict[str, np.ndarray] = field(default_factory=dict[str, np.ndarray])
    _counter: int = 0

    def fresh(self, hint: str) -> str:
        """A value name not used anywhere in the model."""
        while True:
            self._counter += 1
            name = f"{hint}__ramiel{self._counter}"
            if name not in self.shapes:
                return name

    def constant(self, hint: str, array: np.ndarray) -> str:
        """A new constant value holding `array`."""
        name = self.fresh(hint)
        self.constants[name] = array
        self.shapes[name] = ValueShape(
            helper.np_dtype_to_tensor_dtype(array.dtype), list(array.shape)
        )
        return name

    def elem_type(self, node: NodeProto, name: str) -> int:
        """The element type of input `name` of `node`, which must be known."""
        shape = self.shapes.get(name)
        if shape is None:
            raise OnnxImportError(f"{describe_node(node)}: the type of input '{name}' is unknown")
        return shape.elem_type


Rule = Callable[[NodeProto, NormalizeContext], list[NodeProto]]


def _attributes(node: NodeProto) -> dict[str, object]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _rebuild(
    node: NodeProto,
    inputs: Sequence[str],
    attrs: dict[str, object],
    outputs: Sequence[str] | None = None,
) -> NodeProto:
    attrs = {k: v for k, v in attrs.items() if v is not None}
    return helper.make_node(
        node.op_type,
        list(inputs),
        list(node.output if outputs is None else outputs),
        name=node.name,
        domain=node.domain,
        **attrs,  # pyright: ignore[reportArgumentType]
    )


def _trim(inputs: list[str]) -> list[str]:
    while inputs and not inputs[-1]:
        inputs.pop()
    return inputs


def _attrs_to_inputs(moves: Sequence[tuple[str, int, str]]) -> Rule:
    """A rule moving attributes to inputs: (attribute, input index, dtype or 'like0')."""

    def rule(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
        attrs = _attributes(node)
        inputs = list(node.input)
        for attr_name, index, dtype in moves:
            value = attrs.pop(attr_name, None)
            while len(inputs) <= index:
                inputs.append("")
            if value is None:
                continue
            if dtype == "like0":
                np_dtype = helper.tensor_dtype_to_np_dtype(ctx.elem_type(node, node.input[0]))
                array = np.array(value, dtype=np_dtype)
            else:
                array = np.array(value, dtype=dtype)
            inputs[index] = ctx.constant(f"{node.output[0]}_{attr_name}", array)
        return [_rebuild(node, _trim(inputs), attrs)]

    return rule


def _dft(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    """DFT before opset 20: `axis` was an attribute defaulting to 1 (the input's is -2)."""
    attrs = _attributes(node)
    attrs.setdefault("axis", 1)
    return _attrs_to_inputs((("axis", 2, "int64"),))(_rebuild(node, node.input, attrs), ctx)


def _dropout(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    node = _drop_attributes(node, ("is_test",))
    if len(node.output) > 1:
        # Before opset 12 the mask had the input's type; now it is bool.
        if node.output[1] in ctx.used:
            raise OnnxImportError(
                f"{describe_node(node)}: the mask of Dropout opset {ctx.opset} is not supported"
            )
        node = _rebuild(node, node.input, _attributes(node), node.output[:1])
    return _attrs_to_inputs((("ratio", 1, "float32"),))(node, ctx)


def _drop_attributes(node: NodeProto, names: Sequence[str]) -> NodeProto:
    attrs = {k: v for k, v in _attributes(node).items() if k not in names}
    return _rebuild(node, node.input, attrs)


def _topk(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    attrs = _attributes(node)
    k = attrs.pop("k")
    inputs = [node.input[0], ctx.constant(f"{node.output[0]}_k", np.array([k], dtype=np.int64))]
    return [_rebuild(node, inputs, attrs)]


def _resize_10(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    attrs = _attributes(node)
    attrs["coordinate_transformation_mode"] = "asymmetric"
    if attrs.get("mode", b"nearest") in (b"nearest", "nearest"):
        attrs["nearest_mode"] = "floor"
    return [_rebuild(node, [node.input[0], "", node.input[1]], attrs)]


def _batch_norm_9(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    attrs = _attributes(node)
    if attrs.pop("spatial", 1) != 1:
        raise OnnxImportError(
            f"{describe_node(node)}: BatchNormalization with spatial=0 is not supported"
        )
    attrs.pop("is_test", None)
    if any(node.output[1:]):
        raise OnnxImportError(
            f"{describe_node(node)}: training-mode outputs of BatchNormalization "
            f"opset {ctx.opset} are not supported"
        )
    return [_rebuild(node, node.input, attrs, node.output[:1])]


def _coerced_2d(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    """Softmax-like ops before opset 13 work on the input flattened to 2-D at `axis`."""
    attrs = _attributes(node)
    shape = ctx.shapes.get(node.input[0])
    if shape is None or shape.dims is None:
        raise OnnxImportError(
            f"{describe_node(node)}: {node.op_type} of opset {ctx.opset} "
            "needs the rank of its input"
        )
    rank = len(shape.dims)
    axis = int(attrs.get("axis", 1))  # pyright: ignore[reportArgumentType]
    axis = axis + rank if axis < 0 else axis
    if axis == rank - 1:
        return [_rebuild(node, node.input, {"axis": -1})]
    dims = shape.dims

    def product(ds: Sequence[int | None]) -> int | None:
        total = 1
        for d in ds:
            if d is None:
                return None
            total *= d
        return total

    flat_dims = [product(dims[:axis]), product(dims[axis:])]
    flat = ctx.fresh(f"{node.output[0]}_flat")
    soft = ctx.fresh(f"{node.output[0]}_2d")
    original_shape = ctx.fresh(f"{node.output[0]}_shape")
    ctx.shapes[flat] = ValueShape(shape.elem_type, flat_dims)
    ctx.shapes[soft] = ValueShape(shape.elem_type, flat_dims)
    ctx.shapes[original_shape] = ValueShape(TensorProto.INT64, [rank])
    base = node.name or node.output[0]
    return [
        helper.make_node("Shape", [node.input[0]], [original_shape], name=f"{base}_shape"),
        helper.make_node("Flatten", [node.input[0]], [flat], name=f"{base}_flatten", axis=axis),
        helper.make_node(node.op_type, [flat], [soft], name=base, axis=-1),
        helper.make_node(
            "Reshape", [soft, original_shape], [node.output[0]], name=f"{base}_reshape"
        ),
    ]


def _split(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    """Split: `split` became an input (13); an equal split names `num_outputs` (18)."""
    (node,) = _attrs_to_inputs((("split", 1, "int64"),))(node, ctx)
    if len(node.input) > 1 and node.input[1]:
        return [node]
    attrs = _attributes(node)
    attrs["num_outputs"] = len(node.output)
    return [_rebuild(node, node.input[:1], attrs)]


_AXES_TO_INPUT = _attrs_to_inputs((("axes", 1, "int64"),))

# op type -> (newest since_version of the old form, rule)
RULES: dict[str, tuple[int, Rule]] = {
    "Clip": (6, _attrs_to_inputs((("min", 1, "like0"), ("max", 2, "like0")))),
    "Dropout": (10, _dropout),
    "Pad": (2, _attrs_to_inputs((("pads", 1, "int64"), ("value", 2, "like0")))),
    "Slice": (
        1,
        _attrs_to_inputs((("starts", 1, "int64"), ("ends", 2, "int64"), ("axes", 3, "int64"))),
    ),
    "Split": (13, _split),
    "Squeeze": (11, _AXES_TO_INPUT),
    "Unsqueeze": (11, _AXES_TO_INPUT),
    "TopK": (1, _topk),
    "Upsample": (7, _attrs_to_inputs((("scales", 1, "float32"),))),
    "DFT": (17, _dft),
    "Resize": (10, _resize_10),
    "BatchNormalization": (9, _batch_norm_9),
    "Softmax": (11, _coerced_2d),
    "LogSoftmax": (11, _coerced_2d),
    "Hardmax": (11, _coerced_2d),
    "ReduceSum": (11, _AXES_TO_INPUT),
    **{
        op: (13, _AXES_TO_INPUT)
        for op in (
            "ReduceL1",
            "ReduceL2",
            "ReduceLogSum",
            "ReduceLogSumExp",
            "ReduceMax",
            "ReduceMean",
            "ReduceMin",
            "ReduceProd",
            "ReduceSumSquare",
        )
    },
}

UNSUPPORTED: dict[str, int] = {"Scan": 8}
"""Old operator versions with no rule: op type -> newest since_version refused."""


def normalize_node(node: NodeProto, ctx: NormalizeContext) -> list[NodeProto]:
    """`node` rewritten to the newest schema of its operator (a list: some rules expand)."""
    if node.domain not in ("", "ai.onnx"):
        return [node]
    try:
        since = defs.get_schema(node.op_type, ctx.opset, "").since_version
    except defs.SchemaError:
        return [node]
    if node.op_type in UNSUPPORTED and since <= UNSUPPORTED[node.op_type]:
        raise OnnxImportError(
            f"{describe_node(node)}: {node.op_type} version {since} "
            f"(opset {ctx.opset}) is not supported"
        )
    rule = RULES.get(node.op_type)
    if rule is None or since > rule[0]:
        return [node]
    return rule[1](node, ctx)
