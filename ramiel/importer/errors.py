"""Errors of the ONNX importer."""

from __future__ import annotations

from onnx import NodeProto
from xdsl.utils.exceptions import DiagnosticException


class OnnxImportError(DiagnosticException):
    """An ONNX model that Ramiel cannot import; the message names the node or value at fault."""


def describe_node(node: NodeProto) -> str:
    """`node 'name' (Op)`, naming a node by its name or, when it has none, its first output."""
    label = node.name or (node.output[0] if node.output else "")
    domain = f"{node.domain}." if node.domain not in ("", "ai.onnx") else ""
    return f"node '{label}' ({domain}{node.op_type})"
