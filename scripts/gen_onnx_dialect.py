"""Generate `ramiel/dialects/onnx_ops.py`: one op class per operator of the ONNX default domain.

Run after changing the pinned onnx version:

    python scripts/gen_onnx_dialect.py            # rewrite the file
    python scripts/gen_onnx_dialect.py --check    # exit 1 if the file is stale

Each class follows the newest schema of its operator in `onnx.defs` (for a
deprecated operator, its newest schema before deprecation). The importer
normalizes models of older opsets to these schemas.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnx
from onnx import AttributeProto, defs, helper

OUTPUT = Path(__file__).resolve().parent.parent / "ramiel" / "dialects" / "onnx_ops.py"

# Operators whose results are random or that draw from a random state: not Pure, so that
# CSE never merges two of them.
IMPURE_OPS = frozenset(
    {
        "Bernoulli",
        "Dropout",
        "Multinomial",
        "RandomNormal",
        "RandomNormalLike",
        "RandomUniform",
        "RandomUniformLike",
    }
)

_OPTION_KIND = {
    defs.OpSchema.FormalParameterOption.Single: "SINGLE",
    defs.OpSchema.FormalParameterOption.Optional: "OPTIONAL",
    defs.OpSchema.FormalParameterOption.Variadic: "VARIADIC",
}
_DEF_OF_KIND = {
    ("operand", "SINGLE"): "operand_def",
    ("operand", "OPTIONAL"): "opt_operand_def",
    ("operand", "VARIADIC"): "var_operand_def",
    ("result", "SINGLE"): "result_def",
    ("result", "OPTIONAL"): "opt_result_def",
    ("result", "VARIADIC"): "var_result_def",
}
_ATTR_CONSTRAINT = {
    "FLOAT": "FLOAT_ATTR",
    "INT": "INT_ATTR",
    "STRING": "StringAttr",
    "TENSOR": "TENSOR_ATTR",
    "SPARSE_TENSOR": "TENSOR_ATTR",
    "TYPE_PROTO": "TYPE_ATTR",
    "FLOATS": "FLOATS_ATTR",
    "INTS": "INTS_ATTR",
    "STRINGS": "STRINGS_ATTR",
    "TENSORS": "TENSORS_ATTR",
    "SPARSE_TENSORS": "TENSORS_ATTR",
    "TYPE_PROTOS": "TYPES_ATTR",
}
_RESERVED = frozenset({"name", "traits", "irdl_options", "assembly_format", "SCHEMA"})


def latest_schemas() -> list[defs.OpSchema]:
    """The newest non-deprecated schema of every default-domain operator, sorted by name."""
    by_name: dict[str, list[defs.OpSchema]] = defaultdict(list)
    for schema in defs.get_all_schemas_with_history():
        if schema.domain in ("", "ai.onnx"):
            by_name[schema.name].append(schema)
    chosen: list[defs.OpSchema] = []
    for versions in by_name.values():
        versions.sort(key=lambda s: s.since_version)
        live = [s for s in versions if not s.deprecated]
        chosen.append(live[-1] if live else versions[-1])
    return sorted(chosen, key=lambda s: s.name)


def py_name(name: str, taken: set[str]) -> str:
    """A Python identifier for an ONNX parameter or attribute name, unique within its class."""
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    while (
        keyword.iskeyword(ident) or ident in _RESERVED or ident in taken or ident.startswith("__")
    ):
        ident += "_"
    taken.add(ident)
    return ident


def default_literal(attr: defs.OpSchema.Attribute) -> str:
    """The Python literal of an attribute's default value, or 'None'."""
    proto = attr.default_value
    if proto.type == AttributeProto.UNDEFINED:
        return "None"
    value = helper.get_attribute_value(proto)
    if proto.type == AttributeProto.FLOAT:
        return repr(float(str(np.float32(value))))
    if proto.type in (AttributeProto.INT, AttributeProto.STRING):
        return repr(value.decode() if isinstance(value, bytes) else value)
    if proto.type == AttributeProto.INTS:
        return repr(tuple(int(v) for v in value))
    if proto.type == AttributeProto.FLOATS:
        return repr(tuple(float(str(np.float32(v))) for v in value))
    if proto.type == AttributeProto.STRINGS:
        return repr(tuple(v.decode() for v in value))
    return "None"


def _kind(attr: defs.OpSchema.Attribute) -> str:
    """The ONNX attribute type name (`INT`, `FLOATS`, ...) of a schema attribute."""
    return AttributeProto.AttributeType.Name(int(attr.type))  # pyright: ignore[reportArgumentType]


def first_sentence(doc: str) -> str:
    """The first sentence of an ONNX operator description, as plain text."""
    text = re.sub(r"<[^>]+>|\[([^\]]*)\]\([^)]*\)|`", lambda m: m.group(1) or "", doc or "")
    text = " ".join(text.split())
    match = re.match(r"(.+?\.)(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence.replace("\\", "\\\\").replace('"""', "'''")


def emit_class(schema: defs.OpSchema, constraint_names: dict[frozenset[str], str]) -> str:
    taken: set[str] = set()
    lines: list[str] = []
    summary = first_sentence(schema.doc or "") or f"The ONNX {schema.name} operator."
    doc = textwrap.fill(
        f"{schema.name} (ONNX opset {schema.since_version}): {summary}",
        width=92,
        initial_indent="",
        subsequent_indent="    ",
    )
    lines.append("@irdl_op_definition")
    lines.append(f"class {schema.name}Op(OnnxOp):")
    lines.append(f'    """{doc}"""')
    lines.append("")
    lines.append(f'    name = "onnx.{schema.name}"')

    def params(formals: list[defs.OpSchema.FormalParameter]) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        for formal in formals:
            kind = _OPTION_KIND[formal.option]
            ident = py_name(formal.name, taken)
            extra = ""
            if kind == "VARIADIC":
                if not formal.is_homogeneous:
                    extra += ", homogeneous=False"
                if formal.min_arity != 1:
                    extra += f", min_arity={formal.min_arity}"
            if ident != formal.name:
                extra += f", py_name={ident!r}"
            spec = f"ParamSpec({formal.name!r}, ParamKind.{kind}, {formal.type_str!r}{extra})"
            out.append((ident, kind, spec))
        return out

    inputs = params(list(schema.inputs))
    outputs = params(list(schema.outputs))
    attr_fields: list[tuple[str, defs.OpSchema.Attribute]] = []
    for attr_name in sorted(schema.attributes):
        attr_fields.append((py_name(attr_name, taken), schema.attributes[attr_name]))

    lines.append("    SCHEMA: ClassVar[OpSchema] = OpSchema(")
    lines.append(f"        {schema.name!r},")
    lines.append(f"        {schema.since_version},")
    for label, group in (("inputs", inputs), ("outputs", outputs)):
        if group:
            lines.append(f"        {label}=(")
            lines.extend(f"            {spec}," for _, _, spec in group)
            lines.append("        ),")
        else:
            lines.append(f"        {label}=(),")
    if attr_fields:
        lines.append("        attributes=(")
        for _, attr in attr_fields:
            kind = _kind(attr)
            parts = [repr(attr.name), f"AttrKind.{kind}"]
            if attr.required:
                parts.append("required=True")
            default = default_literal(attr)
            if default != "None":
                parts.append(f"default={default}")
            lines.append(f"            AttrSpec({', '.join(parts)}),")
        lines.append("        ),")
    else:
        lines.append("        attributes=(),")
    constraints = ", ".join(
        f"{tc.type_param_str!r}: {constraint_names[frozenset(tc.allowed_type_strs)]}"
        for tc in schema.type_constraints
    )
    lines.append(f"        type_constraints={{{constraints}}},")
    if schema.deprecated:
        lines.append("        deprecated=True,")
    lines.append("    )")
    lines.append("")

    for kind_label, group in (("operand", inputs), ("result", outputs)):
        for ident, kind, _ in group:
            lines.append(f"    {ident} = {_DEF_OF_KIND[(kind_label, kind)]}(ONNX_VALUE)")
    for ident, attr in attr_fields:
        kind = _kind(attr)
        rename = f", prop_name={attr.name!r}" if ident != attr.name else ""
        if kind == "GRAPH":
            lines.append(f'    {ident} = region_def("single_block")')
        elif kind == "GRAPHS":
            lines.append(f'    {ident} = var_region_def("single_block")')
        elif attr.required:
            lines.append(f"    {ident} = prop_def({_ATTR_CONSTRAINT[kind]}{rename})")
        else:
            lines.append(f"    {ident} = opt_prop_def({_ATTR_CONSTRAINT[kind]}{rename})")

    traits: list[str] = []
    has_regions = any(_kind(a) in ("GRAPH", "GRAPHS") for _, a in attr_fields)
    if has_regions:
        traits.append("RecursiveMemoryEffect()")
    elif schema.name not in IMPURE_OPS:
        traits.append("Pure()")
    if traits:
        lines.append(f"    traits = traits_def({', '.join(traits)})")
    segments: list[str] = []
    if sum(1 for _, kind, _ in inputs if kind != "SINGLE") > 1:
        segments.append("AttrSizedOperandSegments(as_property=True)")
    if sum(1 for _, kind, _ in outputs if kind != "SINGLE") > 1:
        segments.append("AttrSizedResultSegments(as_property=True)")
    if segments:
        lines.append(f"    irdl_options = ({', '.join(segments)},)")
    return "\n".join(lines)


def generate() -> str:
    schemas = latest_schemas()
    constraint_names: dict[frozenset[str], str] = {}
    for schema in schemas:
        for tc in schema.type_constraints:
            key = frozenset(tc.allowed_type_strs)
            constraint_names.setdefault(key, f"_TYPES_{len(constraint_names)}")
    classes = "\n\n\n".join(emit_class(s, constraint_names) for s in schemas)
    irdl_names = sorted(
        name
        for name in (
            "AttrSizedOperandSegments",
            "AttrSizedResultSegments",
            "operand_def",
            "opt_operand_def",
            "opt_prop_def",
            "opt_result_def",
            "prop_def",
            "region_def",
            "result_def",
            "traits_def",
            "var_operand_def",
            "var_region_def",
            "var_result_def",
        )
        if re.search(rf"\b{name}\b", classes)
    )
    constraint_imports = sorted(set(re.findall(r"\b(?:[A-Z]+_ATTR|ONNX_VALUE)\b", classes)))
    irdl_lines = "".join(f"    {name},\n" for name in ["irdl_op_definition", *irdl_names])
    constraint_lines = "".join(f"    {name},\n" for name in constraint_imports)
    header = f'''"""The ONNX operators as `onnx` dialect ops, one class per operator.

GENERATED by scripts/gen_onnx_dialect.py from onnx {onnx.__version__} (default domain,
opset {defs.onnx_opset_version()}). Do not edit by hand.
"""

# ruff: noqa: E501, E741, I001
# pyright: reportIncompatibleVariableOverride=false

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import StringAttr
from xdsl.irdl import (
{irdl_lines})
from xdsl.traits import Pure, RecursiveMemoryEffect

from ramiel.dialects.onnx_base import AttrKind, AttrSpec, OnnxOp, OpSchema, ParamKind, ParamSpec
from ramiel.dialects.onnx_constraints import (
{constraint_lines})

'''
    parts = [header]
    for types, ident in constraint_names.items():
        members = ", ".join(repr(t) for t in sorted(types))
        parts.append(f"{ident} = frozenset({{{members}}})\n")
    parts.append("\n\n")
    parts.append(classes)
    parts.append("\n\n\nONNX_OPS: tuple[type[OnnxOp], ...] = (\n")
    parts.extend(f"    {s.name}Op,\n" for s in schemas)
    parts.append(")\n")
    return "".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description="Generate ramiel/dialects/onnx_ops.py")
    parser.add_argument("--check", action="store_true", help="fail if the generated file is stale")
    args = parser.parse_args()
    text = generate()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print(f"{OUTPUT} is stale: run python scripts/gen_onnx_dialect.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({text.count('@irdl_op_definition')} ops)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
