"""One-line diagnostics, `file:line:col: message`, for errors found in IR or ONNX input."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass

from xdsl.dialects.builtin import FileLineColLoc, NameLoc
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException
from xdsl.utils.lexer import Span


@dataclass
class RamielError(Exception):
    """An error to report to the user as `where: message`, with no traceback."""

    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def diagnostic_line(self) -> str:
        """The mlir-opt `--verify-diagnostics` form: `where: error: message`."""
        return f"{self.where}: error: {self.message}" if self.where else f"error: {self.message}"


class SourceMap:
    """Where ops came from: a parser's spans, else the op's own location."""

    def __init__(self, line_offset: int = 0) -> None:
        self.spans: weakref.WeakKeyDictionary[Operation, Span[str] | Span[bytes]] = (
            weakref.WeakKeyDictionary()
        )
        self.line_offset = line_offset

    def where(self, op: Operation) -> str:
        """`file:line:col` of `op`, or its location, or its name."""
        span = self.spans.get(op)
        if span is not None:
            location = span.get_location()
            return f"{location.file}:{location.line + self.line_offset}:{location.col}"
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}"
        if isinstance(loc, NameLoc):
            return f"node '{loc.desc.data}'"
        return f"'{op.name}'"


_OP_NAME = re.compile(r'\s*(?:%[^=]*=\s*)?"?([A-Za-z_][\w.$]*)')
"""The op name at the start of an op's text, after its results."""


class LocatingParser(Parser):
    """A parser that records in a `SourceMap` where in the text each op was parsed."""

    source_map: SourceMap

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        try:
            op = super().parse_operation()
        except VerifyException as error:
            # Declarative formats verify while parsing; report those errors at the op.
            message = " ".join(str(error.args[0] if error.args else error).split())
            text = span.input.content[span.start : span.start + 400]
            if isinstance(text, bytes):
                text = text.decode(errors="replace")
            name = _OP_NAME.match(text)
            if name is not None:
                message = f"'{name.group(1)}' op {message}"
            raise ParseError(span, message) from None
        self.source_map.spans[op] = span
        return op


def verify_with_locations(root: Operation, sources: SourceMap) -> None:
    """Verify `root` op by op, raising a `RamielError` located at the first op that fails."""
    for op in root.walk():
        try:
            op.verify(verify_nested_ops=False)
        except VerifyException as error:
            message = " ".join((str(error.args[0]) if error.args else str(error)).split())
            if not message.startswith(f"'{op.name}'"):
                message = f"'{op.name}' op {message}"
            raise RamielError(message, sources.where(op)) from None


def format_parse_error(error: ParseError) -> RamielError:
    """A one-line error for a parse error: `file:line:col: message`."""
    location = error.span.get_location()
    return RamielError(error.msg, str(location))


def format_diagnostic(error: DiagnosticException) -> RamielError:
    """A one-line error for an xDSL diagnostic, dropping the IR dump it carries in notes."""
    message = str(error.args[0]) if error.args else str(error)
    return RamielError(message.strip().splitlines()[0] if message.strip() else type(error).__name__)
