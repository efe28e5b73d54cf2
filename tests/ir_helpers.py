"""Text <-> IR helpers of the tests: a context with Ramiel's dialects; print, parse, compare."""

from __future__ import annotations

from io import StringIO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import IRNode, Operation, SSAValue
from xdsl.parser import Parser
from xdsl.printer import Printer

from ramiel.dialects.context import ir_context


def make_context() -> Context:
    """A context that knows every dialect Ramiel's IR uses."""
    return ir_context()


def print_ir(op: Operation, *, generic: bool = False) -> str:
    """The textual IR of `op`, in custom syntax or in the generic form."""
    stream = StringIO()
    Printer(stream=stream, print_generic_format=generic).print_op(op)
    return stream.getvalue()


def parse_module(ctx: Context, text: str) -> ModuleOp:
    """Parse `text` (one module, or ops wrapped in an implicit module)."""
    return Parser(ctx, text).parse_module()


def assert_same_ir(expected: Operation, actual: Operation) -> None:
    """Structural equivalence, plus what it leaves out: result types and block argument types."""
    context: dict[IRNode | SSAValue, IRNode | SSAValue] = {}
    if expected.parent is not None and actual.parent is not None:
        context[expected.parent] = actual.parent
    assert expected.is_structurally_equivalent(actual, context)
    expected_ops = list(expected.walk())
    actual_ops = list(actual.walk())
    assert [op.name for op in expected_ops] == [op.name for op in actual_ops]
    for mine, theirs in zip(expected_ops, actual_ops, strict=True):
        assert mine.result_types == theirs.result_types, mine.name
        for region, other in zip(mine.regions, theirs.regions, strict=True):
            for block, other_block in zip(region.blocks, other.blocks, strict=True):
                assert block.arg_types == other_block.arg_types, mine.name


def assert_round_trips(ctx: Context, module: ModuleOp) -> None:
    """Custom and generic printing both parse back to the same IR, and print stably."""
    for generic in (False, True):
        text = print_ir(module, generic=generic)
        reparsed = parse_module(ctx, text)
        reparsed.verify()
        assert_same_ir(module, reparsed)
        assert print_ir(reparsed, generic=generic) == text
