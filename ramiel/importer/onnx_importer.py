"""ONNX `ModelProto` -> `builtin.module` holding `func.func @main` of `onnx` ops.

Graph inputs that are not initializers become the function's arguments and graph
outputs are returned. Every node becomes one op of its `onnx` class, located by a
`NameLoc` of its node name, with results typed by ONNX shape inference. Small
initializers (at most `ImportConfig.inline_limit` elements: shapes, scalars)
become inline `onnx.Constant` ops; larger ones become `dataflow.weight`
references whose arrays go to the returned `WeightStore`. Subgraphs (If, Loop,
Scan) become regions ending in `onnx.Yield`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import (
    AttributeProto,
    GraphProto,
    ModelProto,
    NodeProto,
    TensorProto,
    TypeProto,
    defs,
    numpy_helper,
)
from onnx.external_data_helper import load_external_data_for_model
from onnx.inliner import inline_local_functions
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    AnyDenseElement,
    ArrayAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    NameLoc,
    NoneAttr,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import DiagnosticException

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx import OP_CLASS_BY_ONNX_NAME, YieldOp
from ramiel.dialects.onnx_base import (
    ArityError,
    AttrKind,
    OnnxOp,
    ParamSpec,
    group_by_params,
)
from ramiel.dialects.onnx_ops import ConstantOp
from ramiel.dialects.onnx_types import (
    OptType,
    SeqType,
    UnsupportedTypeError,
    element_type_from_onnx,
    tensor_type,
)
from ramiel.importer.errors import OnnxImportError, describe_node
from ramiel.importer.normalize import NormalizeContext, ValueShape, normalize_node
from ramiel.weights import WeightStore

_T = TypeVar("_T")

MIN_OPSET = 7
MAX_OPSET = defs.onnx_opset_version()

INPUT_NAMES_ATTR = "onnx.input_names"
OUTPUT_NAMES_ATTR = "onnx.output_names"


@dataclass(frozen=True)
class ImportConfig:
    """Options of the importer."""

    inline_limit: int = 8
    """Tensors with at most this many elements are inline `onnx.Constant` ops; larger ones
    are `dataflow.weight` references."""
    inline_int_limit: int = 64
    """The same limit for integer and bool tensors (shapes, axes, pads, indices)."""

    def inline(self, array: np.ndarray) -> bool:
        """Whether a constant holding `array` stays in the IR text."""
        integral = array.dtype.kind in "iub"
        return array.size <= (self.inline_int_limit if integral else self.inline_limit)


@dataclass
class ImportedModel:
    """The imported module and the weights its `dataflow.weight` ops reference."""

    module: ModuleOp
    weights: WeightStore


def load_model(path: str | os.PathLike[str]) -> ModelProto:
    """Read an ONNX file, turning every way it can be unreadable into an `OnnxImportError`."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OnnxImportError(f"cannot read '{path}': {error.strerror}") from None
    return parse_model(data, str(path), base_dir=Path(path).parent)


def parse_model(data: bytes, origin: str, base_dir: Path | None = None) -> ModelProto:
    """Parse serialized ONNX bytes; `origin` names the source in error messages."""
    model = ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise OnnxImportError(f"'{origin}' is not a valid ONNX model: {error}") from None
    if not model.HasField("graph") or model.ir_version <= 0 or not model.opset_import:
        raise OnnxImportError(
            f"'{origin}' is not a valid ONNX model: it has no graph, IR version or opset"
        )
    if base_dir is not None:
        try:
            load_external_data_for_model(model, str(base_dir))
        except (OSError, ValueError, onnx.checker.ValidationError) as error:
            raise OnnxImportError(f"'{origin}': cannot load external data: {error}") from None
    return model


def import_model(
    model: ModelProto | str | os.PathLike[str], config: ImportConfig | None = None
) -> ImportedModel:
    """Import an ONNX model (a `ModelProto` or a path) into the `onnx` dialect."""
    if not isinstance(model, ModelProto):
        model = load_model(model)
    return _ModelImporter(model, config or ImportConfig()).run()


def sanitize_name(name: str) -> str | None:
    """An SSA name hint for an ONNX value name (None if nothing usable is left)."""
    hint = re.sub(r"[^\w$.-]", "_", name)
    if not hint:
        return None
    if not re.match(r"[A-Za-z_$.-]", hint[0]):
        hint = "v" + hint
    return hint


class _ModelImporter:
    def __init__(self, model: ModelProto, config: ImportConfig) -> None:
        self.config = config
        self.opset = self._default_opset(model)
        if model.functions:
            model = inline_local_functions(model)
        self.model = self._infer_shapes(model)
        self.weights: dict[str, np.ndarray] = {}
        self.normalize = NormalizeContext(self.opset, {}, _referenced_names(self.model.graph))

    @staticmethod
    def _default_opset(model: ModelProto) -> int:
        versions = {o.domain: o.version for o in model.opset_import}
        version = versions.get("", versions.get("ai.onnx"))
        if version is None:
            raise OnnxImportError("the model imports no version of the default ONNX domain")
        if not MIN_OPSET <= version <= MAX_OPSET:
            raise OnnxImportError(
                f"ONNX opset {version} is not supported (supported: {MIN_OPSET} to {MAX_OPSET})"
            )
        return version

    @staticmethod
    def _infer_shapes(model: ModelProto) -> ModelProto:
        try:
            return onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
        except (onnx.shape_inference.InferenceError, onnx.checker.ValidationError) as error:
            message = str(error).strip().splitlines()[0]
            raise OnnxImportError(f"ONNX shape inference failed: {message}") from None

    def run(self) -> ImportedModel:
        graph = self.model.graph
        initializer_names = {t.name for t in graph.initializer}
        args = [v for v in graph.input if v.name not in initializer_names]
        arg_types = [self._value_type(v.type, v.name) for v in args]
        block = Block(arg_types=arg_types)
        for arg, info in zip(block.args, args, strict=True):
            arg.name_hint = sanitize_name(info.name)
        scope = _Scope(None)
        for arg, info in zip(block.args, args, strict=True):
            scope.define(info.name, arg)
        outputs = _GraphImporter(self, graph, scope, block).run()
        output_types = [v.type for v in outputs]
        block.add_op(func.ReturnOp(*outputs))
        main = func.FuncOp("main", (arg_types, output_types), Region(block))
        main.attributes[INPUT_NAMES_ATTR] = ArrayAttr([StringAttr(v.name) for v in args])
        main.attributes[OUTPUT_NAMES_ATTR] = ArrayAttr([StringAttr(v.name) for v in graph.output])
        module = ModuleOp([main])
        return ImportedModel(module, WeightStore(self.weights))

    def _value_type(self, type_proto: TypeProto, name: str) -> Attribute:
        try:
            return type_from_proto(type_proto)
        except UnsupportedTypeError as error:
            raise OnnxImportError(f"value '{name}': {error}") from None

    def weight_key(self, name: str) -> str:
        key = name or "weight"
        suffix = 0
        while key in self.weights:
            suffix += 1
            key = f"{name}_{suffix}"
        return key


def name_loc(name: str) -> NameLoc:
    """The location of an op imported from the ONNX node or value called `name`."""
    return NameLoc(StringAttr(name), NoneAttr())


def type_from_proto(type_proto: TypeProto) -> Attribute:
    """The MLIR type of an ONNX `TypeProto`."""
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        tensor = type_proto.tensor_type
        if tensor.elem_type == TensorProto.UNDEFINED:
            raise UnsupportedTypeError("element type unknown")
        element = element_type_from_onnx(tensor.elem_type)
        if not tensor.HasField("shape"):
            return tensor_type(element, None)
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
        return tensor_type(element, dims)
    if kind == "sequence_type":
        return SeqType(type_from_proto(type_proto.sequence_type.elem_type))
    if kind == "optional_type":
        return OptType(type_from_proto(type_proto.optional_type.elem_type))
    if kind is None:
        raise UnsupportedTypeError("type unknown")
    raise UnsupportedTypeError(f"ONNX {kind.removesuffix('_type')} values are not supported")


class _Scope:
    """ONNX value names visible in a graph: its own, then its enclosing graphs'."""

    def __init__(self, parent: _Scope | None) -> None:
        self.parent = parent
        self.values: dict[str, SSAValue] = {}

    def define(self, name: str, value: SSAValue) -> None:
        self.values[name] = value

    def lookup(self, name: str) -> SSAValue | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return None


def _referenced_names(graph: GraphProto) -> set[str]:
    """The value names read by a node or returned by a graph, in `graph` and its subgraphs."""
    names: set[str] = {o.name for o in graph.output}
    for node in graph.node:
        names.update(node.input)
        for attr in node.attribute:
            for sub in [attr.g] if attr.type == AttributeProto.GRAPH else list(attr.graphs):
                names |= _referenced_names(sub)
    return names


class _GraphImporter:
    def __init__(
        self, model: _ModelImporter, graph: GraphProto, scope: _Scope, block: Block
    ) -> None:
        self.model = model
        self.graph = graph
        self.scope = scope
        self.block = block
        self.types: dict[str, TypeProto] = {}
        for info in [*graph.input, *graph.value_info, *graph.output]:
            if info.type.WhichOneof("value") is not None:
                self.types.setdefault(info.name, info.type)
        shapes = model.normalize.shapes
        for name, type_proto in self.types.items():
            if type_proto.WhichOneof("value") == "tensor_type":
                tensor = type_proto.tensor_type
                dims: list[int | None] | None = None
                if tensor.HasField("shape"):
                    dims = [
                        d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim
                    ]
                shapes[name] = ValueShape(tensor.elem_type, dims)
        for tensor in graph.initializer:
            shapes[tensor.name] = ValueShape(tensor.data_type, list(tensor.dims))

    def run(self) -> list[SSAValue]:
        """Import the initializers and nodes; return the graph's output values."""
        referenced = _referenced_names(self.graph)
        for tensor in self.graph.initializer:
            if tensor.name in referenced:
                array = self._to_array(tensor, f"initializer '{tensor.name}'")
                self.scope.define(
                    tensor.name, self._constant(tensor.name, tensor.data_type, array, None)
                )
        for node in self.graph.node:
            for normalized in normalize_node(node, self.model.normalize):
                self._flush_constants()
                self._import_node(normalized)
        outputs: list[SSAValue] = []
        for info in self.graph.output:
            value = self.scope.lookup(info.name)
            if value is None:
                raise OnnxImportError(f"graph output '{info.name}' is not produced by any node")
            outputs.append(value)
        return outputs

    def _flush_constants(self) -> None:
        constants = self.model.normalize.constants
        for name, array in constants.items():
            data_type = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
            self.scope.define(name, self._constant(name, data_type, array, None))
        constants.clear()

    @staticmethod
    def _to_array(tensor: TensorProto, what: str) -> np.ndarray:
        if tensor.data_type == TensorProto.STRING:
            raise OnnxImportError(f"{what}: string tensors are not supported")
        try:
            return numpy_helper.to_array(tensor)
        except (ValueError, TypeError, OSError, onnx.checker.ValidationError) as error:
            raise OnnxImportError(f"{what}: cannot read tensor data: {error}") from None

    def _constant(
        self, name: str, data_type: int, array: np.ndarray, loc: NameLoc | None
    ) -> SSAValue:
        """An inline `onnx.Constant` for a small array, a `dataflow.weight` for a large one."""
        try:
            element = element_type_from_onnx(data_type)
        except UnsupportedTypeError as error:
            raise OnnxImportError(f"constant '{name}': {error}") from None
        result_type = TensorType(cast(AnyDenseElement, element), list(array.shape))
        op: Operation
        if self.model.config.inline(array):
            op = ConstantOp.build(
                result_types=[result_type],
                properties={"value": dense_attr(result_type, array, name)},
            )
        else:
            key = self.model.weight_key(name)
            self.model.weights[key] = array
            op = WeightOp(key, result_type)
        op.location = loc if loc is not None else name_loc(name)
        op.results[0].name_hint = sanitize_name(name)
        self.block.add_op(op)
        return op.results[0]

    def _import_node(self, node: NodeProto) -> None:
        where = describe_node(node)
        if node.domain not in ("", "ai.onnx"):
            raise OnnxImportError(
                f"{where}: operator '{node.op_type}' of domain '{node.domain}' is not supported "
                "(only the default ONNX domain is)"
            )
        op_class = OP_CLASS_BY_ONNX_NAME.get(node.op_type)
        if op_class is None:
            raise OnnxImportError(f"{where}: unknown ONNX operator '{node.op_type}'")
        location = name_loc(node.name or node.output[0])
        if op_class is ConstantOp and self._import_large_constant(node, location):
            return
        schema = op_class.SCHEMA
        operands = self._group_inputs(node, op_class)
        attrs = {a.name: a for a in node.attribute}
        properties: dict[str, Attribute] = {}
        regions: list[Region] = []
        for name in attrs:
            if name not in schema.attribute_map:
                raise OnnxImportError(
                    f"{where}: attribute '{name}' is not part of {node.op_type} "
                    f"(opset {schema.since_version})"
                )
        for spec in schema.attributes:
            attr = attrs.get(spec.name)
            if spec.kind is AttrKind.GRAPH:
                if attr is None:
                    raise OnnxImportError(f"{where}: missing graph attribute '{spec.name}'")
                regions.append(self._import_subgraph(attr.g, node))
            elif attr is not None:
                properties[spec.name] = self._attribute(attr, spec.kind, where)
            elif spec.required:
                raise OnnxImportError(f"{where}: missing required attribute '{spec.name}'")
        result_types = self._group_outputs(node, op_class)
        try:
            op = op_class.build(
                operands=operands, result_types=result_types, properties=properties, regions=regions
            )
        except (ValueError, DiagnosticException) as error:
            raise OnnxImportError(f"{where}: {error}") from None
        op.location = location
        self.block.add_op(op)
        present = [name for name in node.output if name]
        for name, result in zip(present, op.results, strict=True):
            result.name_hint = sanitize_name(name)
            self.scope.define(name, result)

    def _import_large_constant(self, node: NodeProto, location: NameLoc) -> bool:
        """Import a Constant node holding a large tensor as a weight; False if it is small."""
        if len(node.attribute) != 1 or node.attribute[0].name != "value":
            return False
        tensor = node.attribute[0].t
        if tensor.data_type == TensorProto.STRING:
            return False
        array = self._to_array(tensor, describe_node(node))
        if self.model.config.inline(array):
            return False
        self.scope.define(
            node.output[0], self._constant(node.output[0], tensor.data_type, array, location)
        )
        return True

    def _value(self, name: str, node: NodeProto) -> SSAValue:
        value = self.scope.lookup(name)
        if value is None:
            raise OnnxImportError(
                f"{describe_node(node)}: input '{name}' is not produced by any earlier node "
                "or graph input"
            )
        return value

    def _group(
        self, node: NodeProto, params: Sequence[ParamSpec], names: Sequence[str], what: str
    ) -> list[str | list[str] | None]:
        try:
            return group_by_params(params, [name or None for name in names], what)
        except ArityError as error:
            raise OnnxImportError(f"{describe_node(node)}: {node.op_type} {error}") from None

    def _group_inputs(
        self, node: NodeProto, op_class: type[OnnxOp]
    ) -> list[SSAValue | list[SSAValue] | None]:
        groups = self._group(node, op_class.SCHEMA.inputs, node.input, "input")
        return _map_groups(groups, lambda name: self._value(name, node))

    def _group_outputs(
        self, node: NodeProto, op_class: type[OnnxOp]
    ) -> list[Attribute | list[Attribute] | None]:
        groups = self._group(node, op_class.SCHEMA.outputs, node.output, "output")
        return _map_groups(groups, lambda name: self._result_type(name, node))

    def _result_type(self, name: str, node: NodeProto) -> Attribute:
        if not name:
            raise OnnxImportError(f"{describe_node(node)}: empty output name")
        shape = self.model.normalize.shapes.get(name)
        type_proto = self.types.get(name)
        try:
            if type_proto is not None:
                return type_from_proto(type_proto)
            if shape is not None:
                return tensor_type(element_type_from_onnx(shape.elem_type), shape.dims)
        except UnsupportedTypeError as error:
            raise OnnxImportError(f"{describe_node(node)}: output '{name}': {error}") from None
        raise OnnxImportError(
            f"{describe_node(node)}: shape inference found no type for output '{name}'"
        )

    def _attribute(self, attr: AttributeProto, kind: AttrKind, where: str) -> Attribute:
        actual = AttributeProto.AttributeType.Name(attr.type)
        if actual != kind.value:
            raise OnnxImportError(
                f"{where}: attribute '{attr.name}' has type {actual}, expected {kind.value}"
            )
        match kind:
            case AttrKind.FLOAT:
                return FloatAttr(float(np.float32(attr.f)), f32)
            case AttrKind.INT:
                return IntegerAttr(attr.i, i64)
            case AttrKind.STRING:
                return StringAttr(attr.s.decode("utf-8", errors="replace"))
            case AttrKind.FLOATS:
                return DenseArrayBase.from_list(f32, [float(np.float32(v)) for v in attr.floats])
            case AttrKind.INTS:
                return DenseArrayBase.from_list(i64, list(attr.ints))
            case AttrKind.STRINGS:
                return ArrayAttr(
                    [StringAttr(s.decode("utf-8", errors="replace")) for s in attr.strings]
                )
            case AttrKind.TENSOR:
                return self._tensor_attribute(attr.t, f"{where}: attribute '{attr.name}'")
            case AttrKind.TENSORS:
                return ArrayAttr(
                    [
                        self._tensor_attribute(t, f"{where}: attribute '{attr.name}'")
                        for t in attr.tensors
                    ]
                )
            case AttrKind.TYPE_PROTO:
                return self._type_attribute(attr.tp, where)
            case AttrKind.TYPE_PROTOS:
                return ArrayAttr([self._type_attribute(t, where) for t in attr.type_protos])
            case _:
                raise OnnxImportError(
                    f"{where}: {kind.value} attribute '{attr.name}' is not supported"
                )

    def _tensor_attribute(self, tensor: TensorProto, what: str) -> Attribute:
        try:
            element = element_type_from_onnx(tensor.data_type)
        except UnsupportedTypeError as error:
            raise OnnxImportError(f"{what}: {error}") from None
        array = self._to_array(tensor, what)
        return dense_attr(
            TensorType(cast(AnyDenseElement, element), list(array.shape)), array, what
        )

    @staticmethod
    def _type_attribute(type_proto: TypeProto, where: str) -> Attribute:
        try:
            return type_from_proto(type_proto)
        except UnsupportedTypeError as error:
            raise OnnxImportError(f"{where}: {error}") from None

    def _import_subgraph(self, graph: GraphProto, node: NodeProto) -> Region:
        arg_types: list[Attribute] = []
        for info in graph.input:
            try:
                arg_types.append(type_from_proto(info.type))
            except UnsupportedTypeError as error:
                raise OnnxImportError(
                    f"{describe_node(node)}: subgraph '{graph.name}' input '{info.name}': {error}"
                ) from None
        block = Block(arg_types=arg_types)
        scope = _Scope(self.scope)
        for arg, info in zip(block.args, graph.input, strict=True):
            arg.name_hint = sanitize_name(info.name)
            scope.define(info.name, arg)
        outputs = _GraphImporter(self.model, graph, scope, block).run()
        block.add_op(YieldOp(*outputs))
        return Region(block)


def _map_groups(
    groups: list[str | list[str] | None], convert: Callable[[str], _T]
) -> list[_T | list[_T] | None]:
    """`convert` applied to every name of grouped node inputs or outputs."""
    return [
        None if g is None else [convert(n) for n in g] if isinstance(g, list) else convert(g)
        for g in groups
    ]


def dense_attr(
    result_type: TensorType[AnyDenseElement], array: np.ndarray, what: str
) -> DenseIntOrFPElementsAttr:
    """A dense elements attribute holding `array`, built from its bytes (fast for any size)."""
    data = np.ascontiguousarray(array)
    if data.dtype == np.bool_:
        # xDSL stores i1 true as all ones (0xFF), as its parser does.
        data = np.where(data, -1, 0).astype(np.int8)
    elif data.dtype.itemsize == 1 and data.dtype.kind not in "iuf":
        # Sub-byte integers (int4, int2) come as ml_dtypes; xDSL wants one sign-extended byte.
        data = data.astype(np.int8 if str(data.dtype).startswith("int") else np.uint8)
    try:
        return DenseIntOrFPElementsAttr(result_type, BytesAttr(data.tobytes()))
    except (ValueError, TypeError, DiagnosticException) as error:
        raise OnnxImportError(f"{what}: cannot hold a {result_type} constant: {error}") from None
