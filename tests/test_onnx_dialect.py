"""The generated `onnx` dialect: one op class per ONNX schema, its syntax and its verifier.

`test_op_round_trips` runs once per operator of the ONNX default domain: it builds
the op with operand and result types drawn from the schema's type constraints,
every non-graph attribute set to a value of its kind and a region per graph
attribute, verifies it, and checks that both the custom syntax and the generic
form parse back to the same IR.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import onnx
import pytest
from ir_helpers import assert_round_trips, parse_module, print_ir
from onnx import TensorProto, defs
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.utils.exceptions import ParseError, VerifyException

from ramiel.dialects.onnx import OP_CLASS_BY_ONNX_NAME, Onnx, YieldOp
from ramiel.dialects.onnx_base import AttrKind, AttrSpec, OnnxOp, ParamKind, ParamSpec
from ramiel.dialects.onnx_ops import (
    ONNX_OPS,
    AddOp,
    CastOp,
    ConcatOp,
    ConvOp,
    LeakyReluOp,
    LoopOp,
    LSTMOp,
    ReluOp,
    ReshapeOp,
    ResizeOp,
)
from ramiel.dialects.onnx_types import (
    OptType,
    SeqType,
    UnsupportedTypeError,
    element_type_from_onnx,
    onnx_type_name,
)

REPO = Path(__file__).resolve().parent.parent
SHAPE = [2, 3]


def _default_domain_schemas() -> dict[str, defs.OpSchema]:
    return {s.name: s for s in defs.get_all_schemas() if s.domain == ""}


ONNX_SCHEMAS = _default_domain_schemas()


def _element_types_by_name() -> dict[str, Attribute]:
    """ONNX element type name (`float`, `int64`, `bool`, ...) -> MLIR element type."""
    table: dict[str, Attribute] = {}
    for data_type in TensorProto.DataType.values():
        try:
            element = element_type_from_onnx(data_type)
        except UnsupportedTypeError:
            continue
        name = onnx_type_name(TensorType(element, [1]))
        assert name is not None and name.startswith("tensor(")
        table[name.removeprefix("tensor(").removesuffix(")")] = element
    return table


ELEMENT_TYPES = _element_types_by_name()


def mlir_type(type_str: str) -> Attribute:
    """The MLIR type of an ONNX type string: `tensor(float)` -> `tensor<2x3xf32>`, seq, optional."""
    if type_str.startswith("seq(") and type_str.endswith(")"):
        return SeqType(mlir_type(type_str[len("seq(") : -1]))
    if type_str.startswith("optional(") and type_str.endswith(")"):
        return OptType(mlir_type(type_str[len("optional(") : -1]))
    assert type_str.startswith("tensor(") and type_str.endswith(")"), type_str
    return TensorType(ELEMENT_TYPES[type_str[len("tensor(") : -1]], SHAPE)


def type_for(op_class: type[OnnxOp], param: ParamSpec) -> Attribute:
    """A type for `param`: tensor(float) when its constraint allows it, else its first type."""
    allowed = op_class.SCHEMA.type_constraints.get(param.type_str)
    if allowed is None:
        return mlir_type(param.type_str)
    return mlir_type("tensor(float)" if "tensor(float)" in allowed else sorted(allowed)[0])


def attribute_value(kind: AttrKind) -> Attribute:
    """A value of the right kind for an ONNX attribute."""
    tensor = DenseIntOrFPElementsAttr.from_list(TensorType(f32, [2]), [1.0, 2.0])
    match kind:
        case AttrKind.INT:
            return IntegerAttr(1, i64)
        case AttrKind.FLOAT:
            return FloatAttr(1.0, f32)
        case AttrKind.STRING:
            return StringAttr("a")
        case AttrKind.INTS:
            return DenseArrayBase.from_list(i64, [1, 2])
        case AttrKind.FLOATS:
            return DenseArrayBase.from_list(f32, [1.0, 0.5])
        case AttrKind.STRINGS:
            return ArrayAttr([StringAttr("a"), StringAttr("b")])
        case AttrKind.TENSOR | AttrKind.SPARSE_TENSOR:
            return tensor
        case AttrKind.TENSORS | AttrKind.SPARSE_TENSORS:
            return ArrayAttr([tensor])
        case AttrKind.TYPE_PROTO:
            return TensorType(f32, SHAPE)
        case AttrKind.TYPE_PROTOS:
            return ArrayAttr([TensorType(f32, SHAPE)])
        case AttrKind.GRAPH | AttrKind.GRAPHS:
            raise AssertionError("graph attributes are regions")


def build_op_module(op_class: type[OnnxOp]) -> tuple[ModuleOp, OnnxOp]:
    """`func.func @f` holding one op of `op_class`, with every operand and result present.

    Optional inputs alternate present/absent (so an absent one sits between present
    ones where the schema has several), variadic inputs and outputs get two values,
    optional outputs are all present.
    """
    schema = op_class.SCHEMA
    arg_types: list[Attribute] = []
    slots: list[list[int] | int | None] = []
    optional_index = 0
    for param in schema.inputs:
        if param.kind is ParamKind.SINGLE:
            slots.append(len(arg_types))
            arg_types.append(type_for(op_class, param))
        elif param.kind is ParamKind.OPTIONAL:
            present = optional_index % 2 == 0
            optional_index += 1
            if present:
                slots.append(len(arg_types))
                arg_types.append(type_for(op_class, param))
            else:
                slots.append(None)
        else:
            count = max(2, param.min_arity)
            slots.append(list(range(len(arg_types), len(arg_types) + count)))
            arg_types.extend(type_for(op_class, param) for _ in range(count))
    block = Block(arg_types=arg_types)
    operands: list[SSAValue | list[SSAValue] | None] = []
    for slot in slots:
        if slot is None:
            operands.append(None)
        elif isinstance(slot, int):
            operands.append(block.args[slot])
        else:
            operands.append([block.args[i] for i in slot])
    result_types: list[Attribute | list[Attribute] | None] = []
    for param in schema.outputs:
        if param.kind is ParamKind.VARIADIC:
            result_types.append([type_for(op_class, param)] * max(2, param.min_arity))
        else:
            result_types.append(type_for(op_class, param))
    properties = {
        spec.name: attribute_value(spec.kind)
        for spec in schema.attributes
        if spec.kind not in (AttrKind.GRAPH, AttrKind.GRAPHS)
    }
    outer: Sequence[SSAValue] = block.args[:1]
    regions = [Region(Block([YieldOp(*outer)])) for _ in schema.graph_attributes]
    op = op_class.build(
        operands=operands, result_types=result_types, properties=properties, regions=regions
    )
    block.add_ops([op, func.ReturnOp(*op.results)])
    function = func.FuncOp("f", (arg_types, [r.type for r in op.results]), Region(block))
    return ModuleOp([function]), op


def planned_input_sizes(op_class: type[OnnxOp]) -> list[int]:
    """How many values `build_op_module` gives each input of `op_class`."""
    sizes: list[int] = []
    optional_index = 0
    for param in op_class.SCHEMA.inputs:
        if param.kind is ParamKind.SINGLE:
            sizes.append(1)
        elif param.kind is ParamKind.OPTIONAL:
            sizes.append(1 if optional_index % 2 == 0 else 0)
            optional_index += 1
        else:
            sizes.append(max(2, param.min_arity))
    return sizes


# ---- the op classes match onnx.defs --------------------------------------------------


def test_one_op_class_per_default_domain_schema() -> None:
    assert len(ONNX_SCHEMAS) > 190
    assert {op.SCHEMA.name for op in ONNX_OPS} == set(ONNX_SCHEMAS)
    assert len(ONNX_OPS) == len(ONNX_SCHEMAS)
    assert set(OP_CLASS_BY_ONNX_NAME) == set(ONNX_SCHEMAS)
    for name, op_class in OP_CLASS_BY_ONNX_NAME.items():
        assert op_class.name == f"onnx.{name}"
    dialect_ops = {op.name for op in Onnx.operations}
    assert dialect_ops == {op.name for op in ONNX_OPS} | {YieldOp.name}


@pytest.mark.parametrize(
    "onnx_name",
    [name for name in sorted(ONNX_SCHEMAS)],
)
def test_op_round_trips(onnx_name: str, mlir_context: Context) -> None:
    op_class = OP_CLASS_BY_ONNX_NAME[onnx_name]
    schema = ONNX_SCHEMAS[onnx_name]
    if not schema.deprecated:
        # The class follows the newest schema (deprecated ops: the newest before deprecation).
        assert op_class.SCHEMA.since_version == schema.since_version
        assert [p.name for p in op_class.SCHEMA.inputs] == [p.name for p in schema.inputs]
        assert [p.name for p in op_class.SCHEMA.outputs] == [p.name for p in schema.outputs]
        assert {a.name for a in op_class.SCHEMA.attributes} == set(schema.attributes)
    module, op = build_op_module(op_class)
    module.verify()
    assert [len(g) for g in op.input_groups()] == planned_input_sizes(op_class)
    assert [len(g) for g in op.output_groups()] == [
        max(2, p.min_arity) if p.kind is ParamKind.VARIADIC else 1 for p in op_class.SCHEMA.outputs
    ]
    text = print_ir(module)
    assert f"{op_class.name}(" in text
    assert_round_trips(mlir_context, module)


# ---- custom syntax -------------------------------------------------------------------


def test_absent_optional_between_present_ones_prints_none(mlir_context: Context) -> None:
    module, op = build_op_module(ResizeOp)
    assert [len(g) for g in op.input_groups()] == [1, 1, 0, 1]
    text = print_ir(module)
    assert "onnx.Resize(%0, %1, none, %2)" in text
    assert_round_trips(mlir_context, module)


def test_absent_first_optional_prints_none(mlir_context: Context) -> None:
    text = """
    func.func @f(%c: tensor<i1>, %v: tensor<2xf32>) -> tensor<2xf32> {
      %y = onnx.Loop(none, %c, %v) : (tensor<i1>, tensor<2xf32>) -> tensor<2xf32> body {
      ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<2xf32>):
        onnx.Yield %ci, %vi : tensor<i1>, tensor<2xf32>
      }
      func.return %y : tensor<2xf32>
    }
    """
    module = parse_module(mlir_context, text)
    module.verify()
    op = next(o for o in module.walk() if isinstance(o, LoopOp))
    assert op.M is None and op.cond is not None and len(op.v_initial) == 1
    assert "onnx.Loop(none, %c, %v)" in print_ir(module)
    assert_round_trips(mlir_context, module)


def test_variadic_operand_cannot_be_none(mlir_context: Context) -> None:
    text = """
    func.func @f(%a: tensor<2xf32>) -> tensor<4xf32> {
      %y = onnx.Concat(%a, none) {axis = 0 : i64} : (tensor<2xf32>) -> tensor<4xf32>
      func.return %y : tensor<4xf32>
    }
    """
    with pytest.raises(
        ParseError,
        match=re.escape("onnx.Concat cannot leave a value of variadic operand 'inputs' absent"),
    ):
        parse_module(mlir_context, text)


def test_absent_leading_optional_result_round_trips(mlir_context: Context) -> None:
    block = Block(arg_types=[_f32(5, 1, 4), _f32(1, 12, 4), _f32(1, 12, 3)])
    op = LSTMOp.build(
        operands=[*block.args, None, None, None, None, None],
        result_types=[None, _f32(1, 1, 3), None],
        properties={"hidden_size": IntegerAttr(3, i64)},
    )
    block.add_ops([op, func.ReturnOp(*op.results)])
    module = ModuleOp([func.FuncOp("f", (block.arg_types, op.result_types), Region(block))])
    module.verify()
    assert [len(g) for g in op.output_groups()] == [0, 1, 0]
    assert_round_trips(mlir_context, module)


def test_trailing_absent_optionals_are_left_out(mlir_context: Context) -> None:
    text = """
    func.func @f(%x: tensor<1x1x2x2xf32>, %roi: tensor<8xf32>) -> tensor<1x1x4x4xf32> {
      %y = onnx.Resize(%x, %roi) {mode = "linear"}
          : (tensor<1x1x2x2xf32>, tensor<8xf32>) -> tensor<1x1x4x4xf32>
      func.return %y : tensor<1x1x4x4xf32>
    }
    """
    module = parse_module(mlir_context, text)
    module.verify()
    op = next(o for o in module.walk() if isinstance(o, ResizeOp))
    assert [len(g) for g in op.input_groups()] == [1, 1, 0, 0]
    assert "onnx.Resize(%x, %roi) {" in print_ir(module)


def test_custom_syntax_rejects_missing_required_operand(mlir_context: Context) -> None:
    text = """
    func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
      %y = onnx.Add(%a) : (tensor<2xf32>) -> tensor<2xf32>
      func.return %y : tensor<2xf32>
    }
    """
    with pytest.raises(ParseError, match=re.escape("onnx.Add requires operand 'B'")):
        parse_module(mlir_context, text)


def test_custom_syntax_rejects_too_many_operands(mlir_context: Context) -> None:
    text = """
    func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
      %y = onnx.Relu(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      func.return %y : tensor<2xf32>
    }
    """
    with pytest.raises(ParseError, match=re.escape("onnx.Relu takes at most 1 operands, got 2")):
        parse_module(mlir_context, text)


def test_custom_syntax_rejects_operand_type_count_mismatch(mlir_context: Context) -> None:
    text = """
    func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
      %y = onnx.Add(%a, %a) : (tensor<2xf32>) -> tensor<2xf32>
      func.return %y : tensor<2xf32>
    }
    """
    with pytest.raises(ParseError, match=re.escape("onnx.Add has 2 operands but 1 operand types")):
        parse_module(mlir_context, text)


# ---- verifier ------------------------------------------------------------------------


def _f32(*shape: int) -> TensorType[Attribute]:
    return TensorType(f32, list(shape))


def _verify_error(op: OnnxOp) -> str:
    with pytest.raises(VerifyException) as info:
        op.verify()
    return str(info.value)


def _value(type_: Attribute) -> SSAValue:
    return Block(arg_types=[type_]).args[0]


def test_verifier_rejects_wrong_arity_generic_form(mlir_context: Context) -> None:
    text = """
    "func.func"() <{sym_name = "f", function_type = (tensor<2xf32>) -> tensor<2xf32>}> ({
    ^bb0(%a: tensor<2xf32>):
      %y = "onnx.Relu"(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      "func.return"(%y) : (tensor<2xf32>) -> ()
    }) : () -> ()
    """
    module = parse_module(mlir_context, text)
    with pytest.raises(VerifyException, match="operand"):
        module.verify()


def test_verifier_rejects_too_few_variadic_values() -> None:
    op = ConcatOp.build(
        operands=[[]], result_types=[_f32(2)], properties={"axis": IntegerAttr(0, i64)}
    )
    message = _verify_error(op)
    assert (
        "'onnx.Concat' op expects at least 1 values for variadic operand 'inputs', got 0" in message
    )


def test_verifier_rejects_unknown_attribute() -> None:
    x = _value(_f32(2))
    op = ReluOp.build(
        operands=[x], result_types=[_f32(2)], properties={"alpha": FloatAttr(1.0, f32)}
    )
    assert "'onnx.Relu' op has unknown attribute 'alpha' (known attributes: none)" in _verify_error(
        op
    )


def test_verifier_rejects_unknown_discardable_attribute() -> None:
    x = _value(_f32(2))
    op = LeakyReluOp.build(
        operands=[x], result_types=[_f32(2)], attributes={"beta": FloatAttr(1.0, f32)}
    )
    assert (
        "'onnx.LeakyRelu' op has unknown attribute 'beta' (known attributes: alpha)"
        in _verify_error(op)
    )
    # Dialect-prefixed discardable attributes are allowed.
    ok = LeakyReluOp.build(
        operands=[x], result_types=[_f32(2)], attributes={"ramiel.note": StringAttr("x")}
    )
    ok.verify()


def test_verifier_rejects_wrong_attribute_kind() -> None:
    x, w = _value(_f32(1, 3, 8, 8)), _value(_f32(4, 3, 3, 3))
    op = ConvOp.build(
        operands=[x, w, None],
        result_types=[_f32(1, 4, 6, 6)],
        properties={"group": FloatAttr(1.0, f32)},
    )
    message = _verify_error(op)
    assert "'onnx.Conv' op attribute 'group' must be an INT (an i64 integer), got" in message
    ints_as_int = ConvOp.build(
        operands=[x, w, None],
        result_types=[_f32(1, 4, 6, 6)],
        properties={"kernel_shape": IntegerAttr(3, i64)},
    )
    assert "attribute 'kernel_shape' must be INTS (array<i64: ...>)" in _verify_error(ints_as_int)


def test_verifier_rejects_type_variable_mismatch() -> None:
    a = _value(_f32(2))
    b = _value(TensorType(i64, [2]))
    op = AddOp.build(operands=[a, b], result_types=[_f32(2)])
    message = _verify_error(op)
    assert (
        "'onnx.Add' op operand 'B' has type tensor(int64), but type variable T is already bound "
        "to tensor(float)"
    ) in message
    result_mismatch = AddOp.build(operands=[a, a], result_types=[TensorType(i64, [2])])
    assert "result 'C' has type tensor(int64), but type variable T" in _verify_error(
        result_mismatch
    )


def test_verifier_rejects_type_outside_constraint() -> None:
    from xdsl.dialects.builtin import i1

    x = _value(TensorType(i1, [2]))
    op = ReluOp.build(operands=[x], result_types=[TensorType(i1, [2])])
    assert (
        "'onnx.Relu' op operand 'X' has type tensor(bool), which type constraint T does not allow"
        in (_verify_error(op))
    )


def test_verifier_rejects_wrong_literal_type() -> None:
    data, shape = _value(_f32(2, 3)), _value(_f32(2))
    op = ReshapeOp.build(operands=[data, shape], result_types=[_f32(3, 2)])
    assert (
        "'onnx.Reshape' op operand 'shape' must be tensor(int64), got tensor(float)"
        in _verify_error(op)
    )


def test_verifier_rejects_missing_required_attribute() -> None:
    x = _value(_f32(2))
    op = CastOp.build(operands=[x], result_types=[TensorType(i64, [2])])
    assert "'onnx.Cast' op requires attribute 'to'" in _verify_error(op)


def test_verifier_rejects_non_onnx_type() -> None:
    from xdsl.dialects.builtin import MemRefType

    x = _value(MemRefType(f32, [2]))
    op = ReluOp.build(operands=[x], result_types=[_f32(2)])
    with pytest.raises(VerifyException):
        op.verify()


# ---- attribute accessors -------------------------------------------------------------


def test_onnx_attribute_returns_defaults_and_values() -> None:
    x, w = _value(_f32(1, 3, 8, 8)), _value(_f32(4, 3, 3, 3))
    conv = ConvOp.build(
        operands=[x, w, None],
        result_types=[_f32(1, 4, 6, 6)],
        properties={
            "kernel_shape": DenseArrayBase.from_list(i64, [3, 3]),
            "auto_pad": StringAttr("VALID"),
        },
    )
    conv.verify()
    assert conv.onnx_attribute("group") == 1
    assert conv.onnx_attribute("auto_pad") == "VALID"
    assert conv.onnx_attribute("kernel_shape") == (3, 3)
    assert conv.onnx_attribute("pads") is None  # no default in the schema
    leaky = LeakyReluOp.build(operands=[_value(_f32(2))], result_types=[_f32(2)])
    alpha = leaky.onnx_attribute("alpha")
    assert isinstance(alpha, float) and alpha == pytest.approx(0.01)
    with pytest.raises(KeyError, match="has no attribute 'beta'"):
        leaky.onnx_attribute("beta")


def test_schema_defaults_match_onnx() -> None:
    for op_class in ONNX_OPS:
        schema = ONNX_SCHEMAS[op_class.SCHEMA.name]
        for spec in op_class.SCHEMA.attributes:
            _check_default(spec, schema.attributes[spec.name])


def _check_default(spec: AttrSpec, onnx_attr: defs.OpSchema.Attribute) -> None:
    assert spec.required == onnx_attr.required, spec.name
    if not onnx_attr.default_value.name:
        assert spec.default is None, spec.name
        return
    value: object = onnx.helper.get_attribute_value(onnx_attr.default_value)
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, list):
        items: list[object] = list(value)  # pyright: ignore[reportUnknownArgumentType]
        value = tuple(v.decode() if isinstance(v, bytes) else v for v in items)
    if isinstance(value, float):
        assert spec.default == pytest.approx(value), spec.name
    elif value == ():
        assert spec.default in ((), None), spec.name
    else:
        assert spec.default == value, spec.name


# ---- the generated file is up to date ------------------------------------------------


def test_generated_dialect_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_onnx_dialect.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
