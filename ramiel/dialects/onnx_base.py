"""The base class of every `onnx` op: schema tables, custom syntax and verification.

Each ONNX operator is one `OnnxOp` subclass (generated into `onnx_ops.py` from
`onnx.defs`). Its ONNX inputs are named operands, optional and variadic inputs
handled the MLIR way (optional operand definitions, variadic operand
definitions, `operandSegmentSizes` when more than one is not single), its
outputs are results and its ONNX attributes are properties named exactly as in
ONNX. Graph attributes (the bodies of If, Loop and Scan) are regions.

Custom syntax, shared by every op:

```mlir
%y = onnx.Conv(%x, %w, %b) {kernel_shape = array<i64: 3, 3>}
    : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
%r = onnx.Resize(%x, none, none, %sizes) {mode = "linear"}
    : (tensor<1x1x2x2xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
%o = onnx.If(%c) : (tensor<i1>) -> tensor<2xf32> else_branch {
  ...
} then_branch {
  ...
}
```

An absent optional input in the middle of the operand list is written `none`;
absent trailing optional inputs are left out. Regions follow in the order of
their attribute names. When optional results are absent before present ones
(an LSTM returning only `Y_h`), `resultSegmentSizes` is printed with the
attributes, as only it tells which results the op has.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    f32,
    i64,
)
from xdsl.ir import Attribute, Region, SSAValue, TypeAttribute
from xdsl.irdl import IRDLOperation
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from ramiel.dialects.onnx_types import onnx_type_name

_T = TypeVar("_T")

RESULT_SEGMENTS = "resultSegmentSizes"
SEGMENT_SIZE_NAMES = frozenset({"operandSegmentSizes", RESULT_SEGMENTS})


class ParamKind(enum.Enum):
    """How many values an ONNX input or output takes."""

    SINGLE = "single"
    OPTIONAL = "optional"
    VARIADIC = "variadic"


class AttrKind(enum.Enum):
    """The ONNX `AttributeProto.AttributeType` of an attribute."""

    FLOAT = "FLOAT"
    INT = "INT"
    STRING = "STRING"
    TENSOR = "TENSOR"
    GRAPH = "GRAPH"
    SPARSE_TENSOR = "SPARSE_TENSOR"
    TYPE_PROTO = "TYPE_PROTO"
    FLOATS = "FLOATS"
    INTS = "INTS"
    STRINGS = "STRINGS"
    TENSORS = "TENSORS"
    GRAPHS = "GRAPHS"
    SPARSE_TENSORS = "SPARSE_TENSORS"
    TYPE_PROTOS = "TYPE_PROTOS"


DefaultValue = int | float | str | tuple[int, ...] | tuple[float, ...] | tuple[str, ...] | None


@dataclass(frozen=True)
class ParamSpec:
    """One ONNX input or output: its name, arity and type (a type variable or a type)."""

    name: str
    kind: ParamKind
    type_str: str
    homogeneous: bool = True
    min_arity: int = 1
    py_name: str = ""

    def __post_init__(self) -> None:
        if not self.py_name:
            object.__setattr__(self, "py_name", self.name)


@dataclass(frozen=True)
class AttrSpec:
    """One ONNX attribute: its type, whether it is required, and its default value."""

    name: str
    kind: AttrKind
    required: bool = False
    default: DefaultValue = None


@dataclass(frozen=True)
class OpSchema:
    """The ONNX schema an op class was generated from."""

    name: str
    since_version: int
    inputs: tuple[ParamSpec, ...]
    outputs: tuple[ParamSpec, ...]
    attributes: tuple[AttrSpec, ...]
    type_constraints: Mapping[str, frozenset[str]]
    deprecated: bool = False
    attribute_map: Mapping[str, AttrSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attribute_map", {a.name: a for a in self.attributes})

    @property
    def graph_attributes(self) -> tuple[AttrSpec, ...]:
        """The attributes that hold subgraphs; they are the op's regions."""
        return tuple(a for a in self.attributes if a.kind in (AttrKind.GRAPH, AttrKind.GRAPHS))


def attribute_to_python(attr: Attribute) -> object:
    """The Python value of an ONNX attribute as the dialect stores it."""
    if isinstance(attr, IntegerAttr):
        return cast(IntegerAttr, attr).value.data
    if isinstance(attr, FloatAttr):
        return cast(FloatAttr, attr).value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, DenseArrayBase):
        array = cast(DenseArrayBase[IntegerType], attr)
        return tuple(array.get_values())
    if isinstance(attr, ArrayAttr):
        return tuple(attribute_to_python(a) for a in cast(ArrayAttr[Attribute], attr).data)
    return attr


def _is_int(attr: Attribute) -> bool:
    return isinstance(attr, IntegerAttr) and cast(IntegerAttr, attr).type == i64


def _is_float(attr: Attribute) -> bool:
    return isinstance(attr, FloatAttr) and cast(FloatAttr, attr).type == f32


def _is_array_of(element_type: Attribute) -> Callable[[Attribute], bool]:
    def check(attr: Attribute) -> bool:
        return (
            isinstance(attr, DenseArrayBase) and cast(DenseArrayBase, attr).elt_type == element_type
        )

    return check


def _is_tensor(attr: Attribute) -> bool:
    return isinstance(attr, DenseIntOrFPElementsAttr | DenseResourceAttr)


def _is_list_of(check: Callable[[Attribute], bool]) -> Callable[[Attribute], bool]:
    def check_list(attr: Attribute) -> bool:
        return isinstance(attr, ArrayAttr) and all(
            check(a) for a in cast(ArrayAttr[Attribute], attr).data
        )

    return check_list


def _is_type(attr: Attribute) -> bool:
    return isinstance(attr, TypeAttribute)


_GRAPH_KINDS = (AttrKind.GRAPH, AttrKind.GRAPHS)
_ATTR_CHECKS: dict[AttrKind, Callable[[Attribute], bool]] = {
    AttrKind.INT: _is_int,
    AttrKind.FLOAT: _is_float,
    AttrKind.STRING: lambda attr: isinstance(attr, StringAttr),
    AttrKind.INTS: _is_array_of(i64),
    AttrKind.FLOATS: _is_array_of(f32),
    AttrKind.STRINGS: _is_list_of(lambda attr: isinstance(attr, StringAttr)),
    AttrKind.TENSOR: _is_tensor,
    AttrKind.SPARSE_TENSOR: _is_tensor,
    AttrKind.TENSORS: _is_list_of(_is_tensor),
    AttrKind.SPARSE_TENSORS: _is_list_of(_is_tensor),
    AttrKind.TYPE_PROTO: _is_type,
    AttrKind.TYPE_PROTOS: _is_list_of(_is_type),
    AttrKind.GRAPH: lambda attr: False,
    AttrKind.GRAPHS: lambda attr: False,
}
_ATTR_DESCRIPTIONS: dict[AttrKind, str] = {
    AttrKind.INT: "an INT (an i64 integer)",
    AttrKind.FLOAT: "a FLOAT (an f32 float)",
    AttrKind.STRING: "a STRING",
    AttrKind.INTS: "INTS (array<i64: ...>)",
    AttrKind.FLOATS: "FLOATS (array<f32: ...>)",
    AttrKind.STRINGS: "STRINGS (an array of strings)",
    AttrKind.TENSOR: "a TENSOR (dense<...>)",
    AttrKind.SPARSE_TENSOR: "a TENSOR (dense<...>)",
    AttrKind.TENSORS: "TENSORS (an array of dense<...>)",
    AttrKind.SPARSE_TENSORS: "TENSORS (an array of dense<...>)",
    AttrKind.TYPE_PROTO: "a type",
    AttrKind.TYPE_PROTOS: "an array of types",
    AttrKind.GRAPH: "a region",
    AttrKind.GRAPHS: "regions",
}


class ArityError(ValueError):
    """Values that do not fit the inputs or outputs of an op's schema."""


def group_by_params(
    params: Sequence[ParamSpec], slots: Sequence[_T | None], what: str
) -> list[_T | list[_T] | None]:
    """Positional slots (None: absent) grouped per schema parameter, as `Op.build` takes them.

    A single parameter takes one present slot, an optional one a slot that may be
    absent, a variadic one (last in ONNX) all remaining slots, none absent. The
    message of the `ArityError` raised otherwise starts with a verb ("requires
    operand 'X'") for callers to prefix with the op.
    """
    fixed = sum(1 for p in params if p.kind is not ParamKind.VARIADIC)
    if len(slots) > fixed and not any(p.kind is ParamKind.VARIADIC for p in params):
        raise ArityError(f"takes at most {fixed} {what}s, got {len(slots)}")
    grouped: list[_T | list[_T] | None] = []
    index = 0
    for param in params:
        if param.kind is ParamKind.VARIADIC:
            rest: list[_T] = []
            for slot in slots[index:]:
                if slot is None:
                    raise ArityError(
                        f"cannot leave a value of variadic {what} '{param.name}' absent"
                    )
                rest.append(slot)
            grouped.append(rest)
            index = len(slots)
            continue
        slot = slots[index] if index < len(slots) else None
        index += 1
        if slot is None and param.kind is ParamKind.SINGLE:
            raise ArityError(f"requires {what} '{param.name}'")
        grouped.append(slot)
    return grouped


def split_counts(kinds: Sequence[ParamKind], count: int) -> list[int] | None:
    """How `count` values spread over definitions of the given kinds, or None if they cannot.

    Single definitions take one value each; optional ones take one while values
    remain, in order; a variadic one takes the rest (ONNX puts it last).
    """
    spare = count - sum(1 for k in kinds if k is ParamKind.SINGLE)
    if spare < 0:
        return None
    sizes: list[int] = []
    for kind in kinds:
        if kind is ParamKind.SINGLE:
            sizes.append(1)
        elif kind is ParamKind.OPTIONAL:
            take = 1 if spare > 0 else 0
            sizes.append(take)
            spare -= take
        else:
            sizes.append(spare)
            spare = 0
    return sizes if spare == 0 else None


def _flat(params: Sequence[ParamSpec], groups: list[list[SSAValue]]) -> list[SSAValue | None]:
    flat: list[SSAValue | None] = []
    for param, group in zip(params, groups, strict=True):
        if not group and param.kind is not ParamKind.VARIADIC:
            flat.append(None)
        flat.extend(group)
    return flat


class OnnxOp(IRDLOperation):
    """Base class of the ops of the `onnx` dialect, one per ONNX operator."""

    SCHEMA: ClassVar[OpSchema]

    # ---- accessors --------------------------------------------------------------------

    def input_groups(self) -> list[list[SSAValue]]:
        """The operands grouped by ONNX input, in schema order (an absent optional is [])."""
        return self._groups(self.SCHEMA.inputs)

    def output_groups(self) -> list[list[SSAValue]]:
        """The results grouped by ONNX output, in schema order."""
        return self._groups(self.SCHEMA.outputs)

    def flat_inputs(self) -> list[SSAValue | None]:
        """The operands by ONNX input position: None for an absent optional input, one
        entry per value of a variadic one (what an ONNX node's input list holds)."""
        return _flat(self.SCHEMA.inputs, self.input_groups())

    def flat_outputs(self) -> list[SSAValue | None]:
        """The results by ONNX output position, as `flat_inputs`, without trailing absent
        optional outputs."""
        flat = _flat(self.SCHEMA.outputs, self.output_groups())
        while flat and flat[-1] is None:
            flat.pop()
        return flat

    def _groups(self, params: Sequence[ParamSpec]) -> list[list[SSAValue]]:
        groups: list[list[SSAValue]] = []
        for param in params:
            value = getattr(self, param.py_name)
            if value is None:
                groups.append([])
            elif isinstance(value, SSAValue):
                groups.append([cast(SSAValue, value)])
            else:
                groups.append(list(cast(Sequence[SSAValue], value)))
        return groups

    def onnx_attribute(self, name: str) -> object:
        """The Python value of ONNX attribute `name`, or its schema default when absent."""
        spec = self.SCHEMA.attribute_map.get(name)
        if spec is None:
            raise KeyError(f"{self.name} has no attribute '{name}'")
        attr = self.properties.get(name)
        return spec.default if attr is None else attribute_to_python(attr)

    # ---- custom syntax ---------------------------------------------------------------

    def print(self, printer: Printer) -> None:
        groups = self.input_groups()
        while (
            groups
            and not groups[-1]
            and self.SCHEMA.inputs[len(groups) - 1].kind is not ParamKind.SINGLE
        ):
            groups.pop()
        printer.print_string("(")
        first = True
        for group in groups:
            if not group:
                printer.print_string("none" if first else ", none")
                first = False
            for value in group:
                if not first:
                    printer.print_string(", ")
                printer.print_operand(value)
                first = False
        printer.print_string(")")
        attrs = {k: v for k, v in self.properties.items() if k not in SEGMENT_SIZE_NAMES}
        result_sizes = self.properties.get(RESULT_SEGMENTS)
        if result_sizes is not None and list(
            cast(DenseArrayBase[IntegerType], result_sizes).get_values()
        ) != split_counts([p.kind for p in self.SCHEMA.outputs], len(self.results)):
            attrs[RESULT_SEGMENTS] = result_sizes
        attrs.update(self.attributes)
        printer.print_op_attributes(attrs)
        printer.print_string(" : ")
        printer.print_function_type(self.operand_types, self.result_types)
        for spec, region in zip(self.SCHEMA.graph_attributes, self.regions, strict=True):
            printer.print_string(f" {spec.name} ")
            printer.print_region(region)

    @classmethod
    def parse(cls, parser: Parser) -> OnnxOp:
        schema = cls.SCHEMA
        slots: list[UnresolvedOperand | None] = []
        start = parser.pos
        parser.parse_punctuation("(")
        if parser.parse_optional_punctuation(")") is None:
            while True:
                if parser.parse_optional_keyword("none") is not None:
                    slots.append(None)
                else:
                    slots.append(parser.parse_unresolved_operand())
                if parser.parse_optional_punctuation(")") is not None:
                    break
                parser.parse_punctuation(",")
        end = parser.pos
        attr_dict = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        function_type = parser.parse_function_type()
        regions: list[Region] = []
        for spec in schema.graph_attributes:
            parser.parse_keyword(spec.name)
            regions.append(parser.parse_region())

        present = [s for s in slots if s is not None]
        if len(present) != len(function_type.inputs.data):
            parser.raise_error(
                f"{cls.name} has {len(present)} operands but {len(function_type.inputs.data)} "
                "operand types",
                start,
                end,
            )
        resolved = iter(parser.resolve_operands(present, function_type.inputs.data, start))
        try:
            operands = group_by_params(
                cls.SCHEMA.inputs, [None if s is None else next(resolved) for s in slots], "operand"
            )
        except ArityError as error:
            parser.raise_error(f"{cls.name} {error}", start, end)
        sizes_attr = attr_dict.pop(RESULT_SEGMENTS, None)
        sizes = (
            list(cast(DenseArrayBase[IntegerType], sizes_attr).get_values())
            if isinstance(sizes_attr, DenseArrayBase)
            else None
        )
        results = cls._group_result_types(
            parser, list(function_type.outputs.data), sizes, start, end
        )

        properties = {k: v for k, v in attr_dict.items() if k in schema.attribute_map}
        attributes = {k: v for k, v in attr_dict.items() if k not in schema.attribute_map}
        return cls.build(
            operands=operands,
            result_types=results,
            properties=properties,
            attributes=attributes,
            regions=regions,
        )

    @classmethod
    def _group_result_types(
        cls,
        parser: Parser,
        types: list[Attribute],
        sizes: list[int] | None,
        start: int,
        end: int,
    ) -> list[Attribute | list[Attribute] | None]:
        outputs = cls.SCHEMA.outputs
        if sizes is None:
            sizes = split_counts([p.kind for p in outputs], len(types))
        elif len(sizes) != len(outputs) or sum(sizes) != len(types):
            parser.raise_error(
                f"{RESULT_SEGMENTS} does not match the results of {cls.name}", start, end
            )
        if sizes is None:
            parser.raise_error(f"{cls.name} cannot have {len(types)} results", start, end)
        grouped: list[Attribute | list[Attribute] | None] = []
        position = 0
        for param, size in zip(outputs, sizes, strict=True):
            chunk = types[position : position + size]
            position += size
            if param.kind is ParamKind.VARIADIC:
                grouped.append(chunk)
            elif param.kind is ParamKind.OPTIONAL:
                grouped.append(chunk[0] if chunk else None)
            else:
                grouped.append(chunk[0])
        return grouped

    # ---- verification ----------------------------------------------------------------

    def verify(self, verify_nested_ops: bool = True) -> None:
        # Check the ONNX attributes before IRDL does, for messages that name the attribute.
        schema = self.SCHEMA
        for key, attr in self.properties.items():
            if key in SEGMENT_SIZE_NAMES:
                continue
            spec = schema.attribute_map.get(key)
            if spec is None:
                raise VerifyException(
                    f"'{self.name}' op has unknown attribute '{key}' "
                    f"(known attributes: {', '.join(a.name for a in schema.attributes) or 'none'})"
                )
            if not _ATTR_CHECKS[spec.kind](attr):
                raise VerifyException(
                    f"'{self.name}' op attribute '{key}' must be {_ATTR_DESCRIPTIONS[spec.kind]}, "
                    f"got {attr}"
                )
        for spec in schema.attributes:
            if spec.required and spec.kind not in _GRAPH_KINDS and spec.name not in self.properties:
                raise VerifyException(f"'{self.name}' op requires attribute '{spec.name}'")
        super().verify(verify_nested_ops)

    def verify_(self) -> None:
        schema = self.SCHEMA
        for key in self.attributes:
            if "." not in key:
                known = ", ".join(a.name for a in schema.attributes) or "none"
                raise VerifyException(
                    f"'{self.name}' op has unknown attribute '{key}' (known attributes: {known})"
                )
        bound: dict[str, str] = {}
        self._verify_types(schema.inputs, self.input_groups(), "operand", bound)
        self._verify_types(schema.outputs, self.output_groups(), "result", bound)

    def _verify_types(
        self,
        params: Sequence[ParamSpec],
        groups: Sequence[Sequence[SSAValue]],
        what: str,
        bound: dict[str, str],
    ) -> None:
        constraints = self.SCHEMA.type_constraints
        for param, group in zip(params, groups, strict=True):
            if param.kind is ParamKind.VARIADIC and len(group) < param.min_arity:
                raise VerifyException(
                    f"'{self.name}' op expects at least {param.min_arity} values for variadic "
                    f"{what} '{param.name}', got {len(group)}"
                )
            allowed = constraints.get(param.type_str)
            for value in group:
                type_name = onnx_type_name(value.type)
                if type_name is None:
                    raise VerifyException(
                        f"'{self.name}' op {what} '{param.name}' has type {value.type}, "
                        "which is not an ONNX type"
                    )
                if allowed is None:
                    if type_name != param.type_str:
                        raise VerifyException(
                            f"'{self.name}' op {what} '{param.name}' must be {param.type_str}, "
                            f"got {type_name}"
                        )
                    continue
                if type_name not in allowed:
                    raise VerifyException(
                        f"'{self.name}' op {what} '{param.name}' has type {type_name}, which "
                        f"type constraint {param.type_str} does not allow"
                    )
                if not param.homogeneous:
                    continue
                previous = bound.setdefault(param.type_str, type_name)
                if previous != type_name:
                    raise VerifyException(
                        f"'{self.name}' op {what} '{param.name}' has type {type_name}, but type "
                        f"variable {param.type_str} is already bound to {previous}"
                    )
