"""The xDSL context of Ramiel's IR."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import Builtin
from xdsl.dialects.func import Func

from ramiel.dialects.dataflow import Dataflow
from ramiel.dialects.onnx import Onnx


def ir_context() -> Context:
    """A context that knows every dialect of Ramiel's IR: builtin, func, onnx, dataflow."""
    ctx = Context()
    for dialect in (Builtin, Func, Onnx, Dataflow):
        ctx.load_dialect(dialect)
    return ctx
