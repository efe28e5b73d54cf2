"""The ONNX importer: model zoo imports, PyTorch exports, opset normalization and subgraphs.

How ops are counted (`check_one_op_per_node`): every ONNX node (after inlining
model-local functions and opset normalization, which may expand a node: a
pre-13 Softmax on an inner axis becomes Shape, Flatten, Softmax and Reshape; in
the main graph and in subgraphs) becomes exactly one op
located at `NameLoc(node.name or node.output[0])`: an op of its `onnx` class, or,
for a `Constant` node whose tensor `ImportConfig.inline` keeps out of the IR (more
than 8 float or 64 integer elements), a `dataflow.weight`. Besides those, the
importer creates only constants:

* one per referenced initializer, located at the initializer's name:
  `onnx.Constant` when `ImportConfig.inline` allows, else `dataflow.weight`;
* one `onnx.Constant` per attribute that opset normalization turned into an
  input, named and located `<hint>__ramiel<N>`.

So `#OnnxOp == #nodes - #large Constant nodes + #small initializers + #normalizer
constants` and `#dataflow.weight == #large initializers + #large Constant nodes`.
"""

from __future__ import annotations

import importlib
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import onnx
import onnx.inliner
import pytest
from ir_helpers import assert_round_trips, assert_same_ir, parse_module, print_ir
from onnx import (
    AttributeProto,
    GraphProto,
    ModelProto,
    NodeProto,
    TensorProto,
    helper,
    numpy_helper,
)
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    ModuleOp,
    NameLoc,
    StringAttr,
    TensorType,
    f32,
    i1,
    i64,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx import YieldOp
from ramiel.dialects.onnx_base import SEGMENT_SIZE_NAMES, OnnxOp
from ramiel.dialects.onnx_ops import (
    ClipOp,
    ConstantOp,
    DropoutOp,
    IfOp,
    LoopOp,
    LSTMOp,
    PadOp,
    ReduceMeanOp,
    ResizeOp,
    SliceOp,
    SplitOp,
    SqueezeOp,
    TopKOp,
    UnsqueezeOp,
)
from ramiel.dialects.onnx_types import OptType, SeqType
from ramiel.importer.errors import OnnxImportError
from ramiel.importer.normalize import NormalizeContext, ValueShape, normalize_node
from ramiel.importer.onnx_importer import ImportConfig, ImportedModel, import_model, load_model
from ramiel.testing.models import run_onnxruntime

LIGHT_MODELS = sorted(
    p.name
    for p in (Path(onnx.__file__).parent / "backend" / "test" / "data" / "light").glob("*.onnx")
)
CONFIG = ImportConfig()
NORMALIZER_MARK = "__ramiel"


# ---- normalized models ---------------------------------------------------------------

NEW_OPSET = 21
"""Normalized nodes are checked at this opset (newest that onnxruntime runs everywhere)."""


def normalized_model(model: ModelProto) -> ModelProto:
    """`model` with each node rewritten by `normalize_node`, at opset `NEW_OPSET`."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    graph = inferred.graph
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    shapes: dict[str, ValueShape] = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        tensor = info.type.tensor_type
        dims: list[int | None] | None = None
        if tensor.HasField("shape"):
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
        shapes[info.name] = ValueShape(tensor.elem_type, dims)
    for init in graph.initializer:
        shapes[init.name] = ValueShape(init.data_type, list(init.dims))
    ctx = NormalizeContext(opset, shapes, _referenced(graph))
    nodes: list[NodeProto] = []
    for node in graph.node:
        nodes.extend(normalize_node(node, ctx))
    constants = [numpy_helper.from_array(array, name) for name, array in ctx.constants.items()]
    new_graph = helper.make_graph(
        nodes,
        graph.name,
        list(model.graph.input),
        list(model.graph.output),
        [*graph.initializer, *constants],
    )
    return helper.make_model(
        new_graph, opset_imports=[helper.make_opsetid("", NEW_OPSET)], ir_version=10
    )


def read_model(path: Path) -> ModelProto:
    """Load an ONNX file (no external data)."""
    return ModelProto.FromString(path.read_bytes())


# ---- counting ops against nodes ------------------------------------------------------


def _subgraphs(node: NodeProto) -> Iterator[GraphProto]:
    for attr in node.attribute:
        if attr.type == AttributeProto.GRAPH:
            yield attr.g
        elif attr.type == AttributeProto.GRAPHS:
            yield from attr.graphs


def all_nodes(graph: GraphProto) -> list[NodeProto]:
    """The nodes of `graph` and of its subgraphs, recursively."""
    nodes: list[NodeProto] = []
    for node in graph.node:
        nodes.append(node)
        for sub in _subgraphs(node):
            nodes.extend(all_nodes(sub))
    return nodes


def _referenced(graph: GraphProto) -> set[str]:
    names = {o.name for o in graph.output}
    for node in graph.node:
        names.update(node.input)
        for sub in _subgraphs(node):
            names |= _referenced(sub)
    return names


def referenced_initializers(graph: GraphProto) -> list[TensorProto]:
    """The initializers of `graph` and its subgraphs that some node or output reads."""
    names = _referenced(graph)
    found = [t for t in graph.initializer if t.name in names]
    for node in graph.node:
        for sub in _subgraphs(node):
            found.extend(referenced_initializers(sub))
    return found


def _is_large(tensor: TensorProto) -> bool:
    """Whether the importer keeps `tensor` out of the IR text, as a `dataflow.weight`."""
    return not CONFIG.inline(numpy_helper.to_array(tensor))


def _is_large_constant_node(node: NodeProto) -> bool:
    return (
        node.op_type == "Constant"
        and len(node.attribute) == 1
        and node.attribute[0].name == "value"
        and node.attribute[0].t.data_type != TensorProto.STRING
        and _is_large(node.attribute[0].t)
    )


def location_name(op: Operation) -> str:
    """The name of an op's `NameLoc`."""
    loc = op.location
    assert isinstance(loc, NameLoc), f"{op.name} has location {loc}"
    assert isinstance(loc.desc, StringAttr)
    return loc.desc.data


def imported_ops(module: ModuleOp) -> list[Operation]:
    """The ops the importer made: everything but the module, function, return and yields."""
    return [
        op
        for op in module.walk()
        if not isinstance(op, ModuleOp | func.FuncOp | func.ReturnOp | YieldOp)
    ]


@dataclass
class OpCensus:
    """The imported ops, sorted by where they came from."""

    by_node: dict[str, Operation] = field(default_factory=dict[str, Operation])
    initializer_constants: list[Operation] = field(default_factory=list[Operation])
    normalizer_constants: list[Operation] = field(default_factory=list[Operation])


def check_one_op_per_node(model: ModelProto, imported: ImportedModel) -> OpCensus:
    """Check that each node is one op at its name and the rest are constants (module doc)."""
    if model.functions:
        model = onnx.inliner.inline_local_functions(model)
    nodes = all_nodes(normalized_model(model).graph)
    labels = [n.name or n.output[0] for n in nodes]
    assert len(set(labels)) == len(labels), "node labels must be unique for this check"
    node_by_label = dict(zip(labels, nodes, strict=True))
    initializers = {t.name: t for t in referenced_initializers(model.graph)}
    census = OpCensus()
    for op in imported_ops(imported.module):
        name = location_name(op)
        if name in node_by_label:
            assert name not in census.by_node, f"two ops located at node '{name}'"
            node = node_by_label[name]
            if _is_large_constant_node(node):
                assert isinstance(op, WeightOp), name
            else:
                assert isinstance(op, OnnxOp), name
                assert op.name == f"onnx.{node.op_type}", name
            census.by_node[name] = op
        elif name in initializers:
            tensor = initializers[name]
            assert isinstance(op, WeightOp if _is_large(tensor) else ConstantOp), name
            census.initializer_constants.append(op)
        else:
            assert NORMALIZER_MARK in name, f"op {op.name} at unexpected location '{name}'"
            assert isinstance(op, ConstantOp), name
            census.normalizer_constants.append(op)
    assert set(census.by_node) == set(labels)
    assert len(census.initializer_constants) == len(initializers)

    onnx_ops = [op for op in imported_ops(imported.module) if isinstance(op, OnnxOp)]
    large_constant_nodes = sum(1 for n in nodes if _is_large_constant_node(n))
    small_initializers = sum(1 for t in initializers.values() if not _is_large(t))
    assert len(onnx_ops) == (
        len(nodes) - large_constant_nodes + small_initializers + len(census.normalizer_constants)
    )
    weight_ops = [op for op in imported_ops(imported.module) if isinstance(op, WeightOp)]
    assert len(weight_ops) == len(initializers) - small_initializers + large_constant_nodes
    assert set(imported.weights.arrays()) == {op.key.data for op in weight_ops}
    return census


def check_all_values_typed(module: ModuleOp) -> None:
    """Every SSA value has a tensor, sequence or optional type."""
    values: list[SSAValue] = []
    for op in module.walk():
        values.extend(op.results)
        for region in op.regions:
            for block in region.blocks:
                values.extend(block.args)
    assert values
    for value in values:
        assert isinstance(value.type, TensorType | SeqType | OptType), value.type


def onnx_properties(op: Operation) -> set[str]:
    """The names of an op's ONNX attributes (its properties but the segment sizes)."""
    return set(op.properties) - SEGMENT_SIZE_NAMES


def constant_array(value: SSAValue) -> np.ndarray:
    """The value of an `onnx.Constant`."""
    op = value.owner
    assert isinstance(op, ConstantOp), f"{value} is not an onnx.Constant"
    attr = op.properties["value"]
    assert isinstance(attr, DenseIntOrFPElementsAttr)
    values: Sequence[object] = attr.get_values()
    return np.array(values).reshape(attr.get_shape() or ())


# ---- the light model zoo -------------------------------------------------------------


@pytest.mark.parametrize("model_name", LIGHT_MODELS)
def test_light_model_imports(
    model_name: str, light_models_dir: Path, mlir_context: Context
) -> None:
    model = load_model(light_models_dir / model_name)
    imported = import_model(model)
    module = imported.module
    module.verify()
    census = check_one_op_per_node(model, imported)
    assert len(census.by_node) >= len(model.graph.node)
    check_all_values_typed(module)
    for op in module.walk():
        for result in op.results:
            result_type = result.type
            assert isinstance(result_type, TensorType)
            shape = cast(TensorType[Attribute], result_type).get_shape()
            assert all(d >= 0 for d in shape), f"{op.name}: {result_type}"
    main = module.body.block.first_op
    assert isinstance(main, func.FuncOp)
    initializer_names = {t.name for t in model.graph.initializer}
    graph_inputs = [v for v in model.graph.input if v.name not in initializer_names]
    assert len(main.body.block.args) == len(graph_inputs)
    assert len(main.function_type.outputs) == len(model.graph.output)
    for key, array in imported.weights.arrays().items():
        tensor = next(t for t in model.graph.initializer if t.name == key)
        np.testing.assert_array_equal(array, numpy_helper.to_array(tensor))
    text = print_ir(module)
    reparsed = parse_module(mlir_context, text)
    reparsed.verify()
    assert_same_ir(module, reparsed)
    assert print_ir(reparsed) == text


def test_import_model_accepts_a_path(light_models_dir: Path) -> None:
    from_path = import_model(light_models_dir / "light_squeezenet.onnx")
    from_proto = import_model(read_model(light_models_dir / "light_squeezenet.onnx"))
    assert print_ir(from_path.module) == print_ir(from_proto.module)


def test_load_model_errors(tmp_path: Path) -> None:
    with pytest.raises(OnnxImportError, match="cannot read"):
        load_model(tmp_path / "missing.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_text("this is not a model\n")
    with pytest.raises(OnnxImportError, match="is not a valid ONNX model"):
        load_model(bad)


# ---- PyTorch exports -----------------------------------------------------------------


def export_transformer_encoder(path: Path) -> None:
    """A 2-layer, d_model 64 transformer encoder, exported with the dynamo exporter."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layer = torch.nn.TransformerEncoderLayer(
                d_model=64, nhead=4, dim_feedforward=128, dropout=0.0, batch_first=True
            )
            self.encoder = torch.nn.TransformerEncoder(
                layer, num_layers=2, enable_nested_tensor=False
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.encoder(x)

    untyped: Any = torch  # manual_seed and onnx.export are partially untyped
    untyped.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        untyped.onnx.export(Encoder().eval(), (torch.randn(1, 8, 64),), str(path), dynamo=True)


def export_small_cnn(path: Path) -> None:
    """Conv, BatchNorm, ReLU, MaxPool, mean, Linear, Softmax, exported with TorchScript."""
    import torch

    class Cnn(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.norm = torch.nn.BatchNorm2d(8)
            self.fc = torch.nn.Linear(8, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.norm(self.conv(x)))
            y = torch.nn.functional.max_pool2d(y, 2).mean((2, 3))
            return torch.softmax(self.fc(y), -1)

    untyped: Any = torch  # manual_seed and onnx.export are partially untyped
    untyped.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        untyped.onnx.export(Cnn().eval(), (torch.randn(1, 3, 16, 16),), str(path), dynamo=False)


@pytest.fixture(scope="module")
def transformer_model(tmp_path_factory: pytest.TempPathFactory) -> ModelProto:
    path = tmp_path_factory.mktemp("transformer") / "encoder.onnx"
    export_transformer_encoder(path)
    return load_model(path)  # the exporter may put weights in external data


def test_transformer_encoder_imports(transformer_model: ModelProto, mlir_context: Context) -> None:
    imported = import_model(transformer_model)
    imported.module.verify()
    inlined = onnx.inliner.inline_local_functions(transformer_model)
    census = check_one_op_per_node(inlined, imported)
    assert len(census.by_node) == len(all_nodes(normalized_model(inlined).graph))
    assert Counter(op.name for op in census.by_node.values())["onnx.MatMul"] > 0
    check_all_values_typed(imported.module)
    assert imported.weights.arrays(), "the encoder's matrices are weights"
    assert_round_trips(mlir_context, imported.module)


def test_cnn_exported_with_torchscript_imports(tmp_path: Path, mlir_context: Context) -> None:
    path = tmp_path / "cnn.onnx"
    export_small_cnn(path)
    model = load_model(path)
    imported = import_model(model)
    imported.module.verify()
    census = check_one_op_per_node(model, imported)
    assert len(census.by_node) == len(model.graph.node)
    check_all_values_typed(imported.module)
    assert "onnx.Conv" in {op.name for op in census.by_node.values()}
    assert_round_trips(mlir_context, imported.module)


# ---- hand-built models ---------------------------------------------------------------

IR_VERSION = 8  # what onnxruntime accepts for these opsets


def make_model(
    nodes: Sequence[NodeProto],
    inputs: Sequence[tuple[str, int, Sequence[int] | None]],
    outputs: Sequence[tuple[str, int, Sequence[int] | None]],
    opset: int,
    initializers: Sequence[TensorProto] = (),
) -> ModelProto:
    """A one-graph model of the default domain at `opset`."""
    graph = helper.make_graph(
        list(nodes),
        "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        list(initializers),
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=IR_VERSION
    )


_OpT = TypeVar("_OpT", bound=Operation)


def the_op(module: ModuleOp, op_class: type[_OpT]) -> _OpT:
    """The only op of `op_class` in `module`."""
    found = [op for op in module.walk() if isinstance(op, op_class)]
    assert len(found) == 1, f"{len(found)} {op_class.__name__} ops"
    return found[0]


def test_large_constant_node_becomes_weight(mlir_context: Context) -> None:
    big = numpy_helper.from_array(np.arange(20, dtype=np.float32).reshape(4, 5), "big")
    small = numpy_helper.from_array(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32), "small")
    model = make_model(
        [
            helper.make_node("Constant", [], ["c_big"], name="const_big", value=big),
            helper.make_node("Constant", [], ["c_small"], name="const_small", value=small),
            helper.make_node("Add", ["c_big", "c_small"], ["s"], name="add"),
            helper.make_node("Add", ["s", "x"], ["y"], name="add2"),
        ],
        [("x", TensorProto.FLOAT, [4, 5])],
        [("y", TensorProto.FLOAT, [4, 5])],
        opset=17,
    )
    imported = import_model(model)
    imported.module.verify()
    census = check_one_op_per_node(model, imported)
    weight = census.by_node["const_big"]
    assert isinstance(weight, WeightOp)
    np.testing.assert_array_equal(imported.weights[weight.key.data], np.arange(20).reshape(4, 5))
    small_op = census.by_node["const_small"]
    assert isinstance(small_op, ConstantOp)
    np.testing.assert_array_equal(constant_array(small_op.results[0]), [1, 2, 3, 4, 5])
    assert_round_trips(mlir_context, imported.module)


def test_initializers_become_constants_and_weights() -> None:
    model = make_model(
        [
            helper.make_node("Add", ["x", "w"], ["s"], name="a"),
            helper.make_node("Mul", ["s", "k"], ["y"], name="m"),
        ],
        [("x", TensorProto.FLOAT, [17])],
        [("y", TensorProto.FLOAT, [17])],
        opset=17,
        initializers=[
            numpy_helper.from_array(np.linspace(0, 1, 17, dtype=np.float32), "w"),
            numpy_helper.from_array(np.array([2.0], dtype=np.float32), "k"),
            numpy_helper.from_array(np.zeros(3, dtype=np.float32), "unused"),
        ],
    )
    imported = import_model(model)
    census = check_one_op_per_node(model, imported)
    assert {location_name(op) for op in census.initializer_constants} == {"w", "k"}
    np.testing.assert_array_equal(imported.weights["w"], np.linspace(0, 1, 17, dtype=np.float32))


_DTYPE_VALUES: dict[str, list[int]] = {"BOOL": [1, 0, 1]}


@pytest.mark.parametrize(
    "dtype_name",
    [
        name
        for name in (
            "FLOAT",
            "DOUBLE",
            "FLOAT16",
            "BFLOAT16",
            "INT8",
            "INT16",
            "INT32",
            "INT64",
            "UINT8",
            "UINT16",
            "UINT32",
            "UINT64",
            "BOOL",
            "INT4",
        )
    ],
)
def test_constant_of_each_dtype_round_trips(dtype_name: str, mlir_context: Context) -> None:
    data_type = getattr(TensorProto, dtype_name)
    values = _DTYPE_VALUES.get(
        dtype_name, [1, 2, 3] if dtype_name.startswith("UINT") else [1, -2, 3]
    )
    tensor = helper.make_tensor("c", data_type, [3], values)
    model = make_model(
        [helper.make_node("Constant", [], ["c"], name="k", value=tensor)],
        [],
        [("c", data_type, [3])],
        21,
    )
    module = import_model(model).module
    module.verify()
    constant = the_op(module, ConstantOp)
    expected = numpy_helper.to_array(tensor).astype(
        np.int64 if dtype_name == "BOOL" else np.float64
    )
    got = constant_array(constant.results[0]).astype(np.float64)
    if dtype_name == "BOOL":
        got = got != 0
    np.testing.assert_array_equal(got, expected.astype(got.dtype))
    reparsed = parse_module(mlir_context, print_ir(module))
    assert constant.properties["value"] == the_op(reparsed, ConstantOp).properties["value"]


# ---- opset normalization -------------------------------------------------------------


def assert_same_results(model: ModelProto, feeds: dict[str, np.ndarray]) -> None:
    """The normalized model is valid at the new opset and computes what the original does."""
    new = normalized_model(model)
    checker: Any = importlib.import_module("onnx.checker")  # partially untyped
    checker.check_model(new)
    onnx.shape_inference.infer_shapes(new, strict_mode=True)
    for expected, actual in zip(
        run_onnxruntime(model, feeds, optimize=False),
        run_onnxruntime(new, feeds, optimize=False),
        strict=True,
    ):
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


F = TensorProto.FLOAT
I64 = TensorProto.INT64
RNG = np.random.default_rng(0)


def _x(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _import_checked(model: ModelProto, ctx: Context) -> ModuleOp:
    imported = import_model(model)
    imported.module.verify()
    check_all_values_typed(imported.module)
    assert_round_trips(ctx, imported.module)
    return imported.module


@pytest.mark.parametrize("opset", [9, 11])
def test_unsqueeze_axes_attribute_becomes_input(opset: int, mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("Unsqueeze", ["x"], ["y"], name="u", axes=[0, 3])],
        [("x", F, [2, 3])],
        [("y", F, [1, 2, 3, 1])],
        opset,
    )
    module = _import_checked(model, mlir_context)
    census = check_one_op_per_node(model, import_model(model))
    assert len(census.normalizer_constants) == 1
    op = the_op(module, UnsqueezeOp)
    assert not onnx_properties(op)
    np.testing.assert_array_equal(constant_array(op.axes), [0, 3])
    assert constant_array(op.axes).dtype == np.int64
    assert op.result_types[0] == TensorType(f32, [1, 2, 3, 1])
    assert_same_results(model, {"x": _x(2, 3)})


def test_squeeze_opset_11(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("Squeeze", ["x"], ["y"], name="s", axes=[0, 2])],
        [("x", F, [1, 2, 1, 3])],
        [("y", F, [2, 3])],
        11,
    )
    op = the_op(_import_checked(model, mlir_context), SqueezeOp)
    assert op.axes is not None
    np.testing.assert_array_equal(constant_array(op.axes), [0, 2])
    assert_same_results(model, {"x": _x(1, 2, 1, 3)})


def test_slice_opset_9(mlir_context: Context) -> None:
    model = make_model(
        [
            helper.make_node(
                "Slice", ["x"], ["y"], name="s", starts=[1, 0], ends=[3, 4], axes=[0, 1]
            )
        ],
        [("x", F, [4, 5])],
        [("y", F, [2, 4])],
        9,
    )
    op = the_op(_import_checked(model, mlir_context), SliceOp)
    assert not onnx_properties(op)
    np.testing.assert_array_equal(constant_array(op.starts), [1, 0])
    np.testing.assert_array_equal(constant_array(op.ends), [3, 4])
    assert op.axes is not None and op.steps is None
    np.testing.assert_array_equal(constant_array(op.axes), [0, 1])
    assert_same_results(model, {"x": _x(4, 5)})


def test_pad_opset_9(mlir_context: Context) -> None:
    model = make_model(
        [
            helper.make_node(
                "Pad", ["x"], ["y"], name="p", pads=[0, 1, 0, 2], value=1.5, mode="constant"
            )
        ],
        [("x", F, [2, 3])],
        [("y", F, [2, 6])],
        9,
    )
    op = the_op(_import_checked(model, mlir_context), PadOp)
    assert onnx_properties(op) == {"mode"}
    np.testing.assert_array_equal(constant_array(op.pads), [0, 1, 0, 2])
    assert op.constant_value is not None
    value = constant_array(op.constant_value)
    assert value.shape == () and value == pytest.approx(1.5)
    assert op.constant_value.type == TensorType(f32, [])
    assert_same_results(model, {"x": _x(2, 3)})


def test_clip_opset_9(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("Clip", ["x"], ["y"], name="c", min=-0.5, max=0.5)],
        [("x", F, [8])],
        [("y", F, [8])],
        9,
    )
    op = the_op(_import_checked(model, mlir_context), ClipOp)
    assert not onnx_properties(op)
    assert op.min is not None and op.max is not None
    assert constant_array(op.min) == pytest.approx(-0.5)
    assert constant_array(op.max) == pytest.approx(0.5)
    assert op.min.type == TensorType(f32, [])
    assert_same_results(model, {"x": _x(8)})


def test_split_opset_11(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("Split", ["x"], ["a", "b"], name="s", axis=0, split=[2, 4])],
        [("x", F, [6, 2])],
        [("a", F, [2, 2]), ("b", F, [4, 2])],
        11,
    )
    op = the_op(_import_checked(model, mlir_context), SplitOp)
    assert op.split is not None
    np.testing.assert_array_equal(constant_array(op.split), [2, 4])
    assert [r.type for r in op.results] == [TensorType(f32, [2, 2]), TensorType(f32, [4, 2])]
    assert_same_results(model, {"x": _x(6, 2)})


@pytest.mark.parametrize("opset", [11, 13])
def test_equal_split_gets_num_outputs(opset: int) -> None:
    model = make_model(
        [helper.make_node("Split", ["x"], ["a", "b"], name="s", axis=0)],
        [("x", F, [6])],
        [("a", F, [3]), ("b", F, [3])],
        opset,
    )
    op = the_op(import_model(model).module, SplitOp)
    assert op.split is not None or op.onnx_attribute("num_outputs") == 2


@pytest.mark.parametrize("op_type", ["Softmax", "LogSoftmax", "Hardmax"])
def test_softmax_opset_11_inner_axis_is_flattened(op_type: str, mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node(op_type, ["x"], ["y"], name="sm", axis=1)],
        [("x", F, [2, 3, 4])],
        [("y", F, [2, 3, 4])],
        11,
    )
    module = _import_checked(model, mlir_context)
    ops = [op for op in imported_ops(module)]
    assert [op.name for op in ops] == [
        "onnx.Shape",
        "onnx.Flatten",
        f"onnx.{op_type}",
        "onnx.Reshape",
    ]
    shape, flatten, softmax, reshape = ops
    assert isinstance(flatten, OnnxOp) and flatten.onnx_attribute("axis") == 1
    assert isinstance(softmax, OnnxOp) and softmax.onnx_attribute("axis") == -1
    assert softmax.result_types[0] == TensorType(f32, [2, 12])
    assert tuple(reshape.operands) == (softmax.results[0], shape.results[0])
    assert reshape.result_types[0] == TensorType(f32, [2, 3, 4])
    assert location_name(softmax) == "sm"
    assert_same_results(model, {"x": _x(2, 3, 4)})


def test_softmax_expansion_of_unnamed_nodes_is_located_by_output() -> None:
    model = make_model(
        [
            helper.make_node("Softmax", ["x"], ["y"], axis=1),
            helper.make_node("Softmax", ["y"], ["z"], axis=1),
        ],
        [("x", F, [2, 3, 4])],
        [("z", F, [2, 3, 4])],
        11,
    )
    ops = imported_ops(import_model(model).module)
    names = [location_name(op) for op in ops]
    assert len(set(names)) == len(names), names
    softmaxes = [op for op in ops if op.name == "onnx.Softmax"]
    assert [location_name(op) for op in softmaxes] == ["y", "z"]
    assert all(NORMALIZER_MARK not in n and n.startswith(("y", "z")) for n in names), names


def test_softmax_opset_11_last_axis_stays_one_op(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=2)],
        [("x", F, [2, 3, 4])],
        [("y", F, [2, 3, 4])],
        11,
    )
    module = _import_checked(model, mlir_context)
    ops = imported_ops(module)
    assert [op.name for op in ops] == ["onnx.Softmax"]
    softmax = ops[0]
    assert isinstance(softmax, OnnxOp) and softmax.onnx_attribute("axis") == -1
    assert_same_results(model, {"x": _x(2, 3, 4)})


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_opset_10(mode: str, mlir_context: Context) -> None:
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")
    model = make_model(
        [helper.make_node("Resize", ["x", "scales"], ["y"], name="r", mode=mode)],
        [("x", F, [1, 1, 2, 3])],
        [("y", F, [1, 1, 4, 6])],
        10,
        [scales],
    )
    module = _import_checked(model, mlir_context)
    op = the_op(module, ResizeOp)
    assert op.roi is None and op.sizes is None and op.scales is not None
    np.testing.assert_array_equal(constant_array(op.scales), [1, 1, 2, 2])
    assert op.onnx_attribute("coordinate_transformation_mode") == "asymmetric"
    assert op.onnx_attribute("mode") == mode
    if mode == "nearest":
        assert op.onnx_attribute("nearest_mode") == "floor"
    assert "onnx.Resize(%x, none, %scales)" in print_ir(module)
    assert_same_results(model, {"x": _x(1, 1, 2, 3)})


def test_reduce_mean_opset_11(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("ReduceMean", ["x"], ["y"], name="r", axes=[1], keepdims=0)],
        [("x", F, [2, 3, 4])],
        [("y", F, [2, 4])],
        11,
    )
    op = the_op(_import_checked(model, mlir_context), ReduceMeanOp)
    assert onnx_properties(op) == {"keepdims"}
    assert op.axes is not None
    np.testing.assert_array_equal(constant_array(op.axes), [1])
    assert_same_results(model, {"x": _x(2, 3, 4)})


def test_topk_opset_9(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("TopK", ["x"], ["v", "i"], name="t", k=2)],
        [("x", F, [2, 5])],
        [("v", F, [2, 2]), ("i", I64, [2, 2])],
        9,
    )
    op = the_op(_import_checked(model, mlir_context), TopKOp)
    assert onnx_properties(op) == set()
    np.testing.assert_array_equal(constant_array(op.K), [2])
    assert op.K.type == TensorType(i64, [1])
    assert_same_results(model, {"x": _x(2, 5)})


def test_dropout_opset_9_unused_mask(mlir_context: Context) -> None:
    model = make_model(
        [
            helper.make_node("Dropout", ["x"], ["d", "mask"], name="drop", ratio=0.3),
            helper.make_node("Relu", ["d"], ["y"], name="relu"),
        ],
        [("x", F, [2, 3])],
        [("y", F, [2, 3])],
        9,
    )
    op = the_op(_import_checked(model, mlir_context), DropoutOp)
    assert len(op.results) == 1
    assert op.ratio is not None
    assert constant_array(op.ratio) == pytest.approx(0.3)
    assert_same_results(model, {"x": _x(2, 3)})


def test_dropout_opset_9_used_mask_is_an_error() -> None:
    model = make_model(
        [helper.make_node("Dropout", ["x"], ["d", "mask"], name="drop", ratio=0.3)],
        [("x", F, [2, 3])],
        [("d", F, [2, 3]), ("mask", F, [2, 3])],
        9,
    )
    with pytest.raises(
        OnnxImportError, match=r"node 'drop' \(Dropout\): the mask of Dropout opset 9"
    ):
        import_model(model)


def test_normalizer_constants_are_counted(mlir_context: Context) -> None:
    model = make_model(
        [
            helper.make_node("Unsqueeze", ["x"], ["u"], name="u", axes=[0]),
            helper.make_node("Squeeze", ["u"], ["y"], name="s", axes=[0]),
        ],
        [("x", F, [2, 3])],
        [("y", F, [2, 3])],
        11,
    )
    imported = import_model(model)
    census = check_one_op_per_node(model, imported)
    assert len(census.normalizer_constants) == 2
    assert all(NORMALIZER_MARK in location_name(op) for op in census.normalizer_constants)


def test_opset_out_of_range_is_an_error() -> None:
    model = make_model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")], [("x", F, [2])], [("y", F, [2])], 6
    )
    with pytest.raises(OnnxImportError, match="ONNX opset 6 is not supported"):
        import_model(model)


# ---- subgraphs -----------------------------------------------------------------------


def test_if_branches_become_regions(mlir_context: Context) -> None:
    then_graph = helper.make_graph(
        [helper.make_node("Add", ["x", "x"], ["t"], name="then_add")],
        "then",
        [],
        [helper.make_tensor_value_info("t", F, [2])],
    )
    else_graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "x"], ["e"], name="else_mul")],
        "else",
        [],
        [helper.make_tensor_value_info("e", F, [2])],
    )
    model = make_model(
        [
            helper.make_node(
                "If", ["c"], ["y"], name="if", then_branch=then_graph, else_branch=else_graph
            )
        ],
        [("c", TensorProto.BOOL, []), ("x", F, [2])],
        [("y", F, [2])],
        17,
    )
    imported = import_model(model)
    module = imported.module
    module.verify()
    census = check_one_op_per_node(model, imported)
    assert set(census.by_node) == {"if", "then_add", "else_mul"}
    if_op = the_op(module, IfOp)
    x = module.body.block.first_op.regions[0].block.args[1]  # pyright: ignore[reportOptionalMemberAccess]
    for region, expected in ((if_op.then_branch, "onnx.Add"), (if_op.else_branch, "onnx.Mul")):
        block = region.block
        ops = list(block.ops)
        assert [op.name for op in ops] == [expected, "onnx.Yield"]
        assert tuple(ops[0].operands) == (x, x), "the branch reads the outer value"
        assert tuple(ops[1].operands) == (ops[0].results[0],)
    check_all_values_typed(module)
    text = print_ir(module)
    assert "then_branch {" in text and "else_branch {" in text
    assert_round_trips(mlir_context, module)


def test_loop_body_becomes_region(mlir_context: Context) -> None:
    body = helper.make_graph(
        [
            helper.make_node("Add", ["v_in", "x"], ["v_out"], name="body_add"),
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body_cond"),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", I64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_in", F, [2]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", F, [2]),
        ],
    )
    model = make_model(
        [helper.make_node("Loop", ["m", "cond", "x"], ["y"], name="loop", body=body)],
        [("cond", TensorProto.BOOL, []), ("x", F, [2])],
        [("y", F, [2])],
        17,
        [numpy_helper.from_array(np.array(3, dtype=np.int64), "m")],
    )
    imported = import_model(model)
    module = imported.module
    module.verify()
    census = check_one_op_per_node(model, imported)
    assert set(census.by_node) == {"loop", "body_add", "body_cond"}
    loop = the_op(module, LoopOp)
    assert loop.M is not None and loop.cond is not None
    assert constant_array(loop.M) == 3
    assert len(loop.v_initial) == 1
    block: Block = loop.body.block
    assert list(block.arg_types) == [TensorType(i64, []), TensorType(i1, []), TensorType(f32, [2])]
    add = next(op for op in block.ops if op.name == "onnx.Add")
    x = loop.v_initial[0]
    assert isinstance(loop.cond, BlockArgument)
    assert tuple(add.operands) == (block.args[2], x), "the body reads the outer value"
    terminator = block.last_op
    assert isinstance(terminator, YieldOp) and len(terminator.operands) == 2
    check_all_values_typed(module)
    assert_round_trips(mlir_context, module)


# ---- model-local functions -----------------------------------------------------------


def _model_with_local_function() -> ModelProto:
    function = helper.make_function(
        "local",
        "DoubleRelu",
        ["a"],
        ["b"],
        [helper.make_node("Relu", ["a"], ["r"]), helper.make_node("Add", ["r", "r"], ["b"])],
        [helper.make_opsetid("", 17)],
    )
    graph = helper.make_graph(
        [helper.make_node("DoubleRelu", ["x"], ["y"], name="call", domain="local")],
        "g",
        [helper.make_tensor_value_info("x", F, [2])],
        [helper.make_tensor_value_info("y", F, [2])],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)],
        functions=[function],
        ir_version=IR_VERSION,
    )


def test_local_functions_are_inlined() -> None:
    model = _model_with_local_function()
    imported = import_model(model)
    imported.module.verify()
    check_one_op_per_node(model, imported)
    names = [op.name for op in imported_ops(imported.module)]
    assert names == ["onnx.Relu", "onnx.Add"]


def test_local_functions_are_inlined_in_a_fresh_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "f.onnx"
    path.write_bytes(_model_with_local_function().SerializeToString())
    code = (
        "import sys\n"
        "from ramiel.importer.onnx_importer import import_model\n"
        "import_model(sys.argv[1]).module.verify()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ---- optional results ----------------------------------------------------------------


def test_absent_leading_optional_result_round_trips(mlir_context: Context) -> None:
    model = make_model(
        [helper.make_node("LSTM", ["x", "w", "r"], ["", "y_h"], name="lstm", hidden_size=3)],
        [("x", F, [5, 1, 4]), ("w", F, [1, 12, 4]), ("r", F, [1, 12, 3])],
        [("y_h", F, [1, 1, 3])],
        17,
    )
    module = import_model(model).module
    module.verify()
    lstm = the_op(module, LSTMOp)
    assert [len(g) for g in lstm.output_groups()] == [0, 1, 0]
    reparsed = parse_module(mlir_context, print_ir(module))
    assert [len(g) for g in the_op(reparsed, LSTMOp).output_groups()] == [0, 1, 0]
