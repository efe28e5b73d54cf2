"""The table of op semantics: one PyTorch lowering per `onnx` op class.

`registry` holds the machinery (`lowers`, `Emit`, `Operand`); each family module
registers the lowerings of its ops when imported, and this package imports them all.
"""

from ramiel.ops import (
    constants,
    control,
    elementwise,
    image,
    loss,
    nn,
    reduce,
    rnn,
    signal,
    tensor,
    transformer,
)
from ramiel.ops.registry import (
    Emit,
    Multi,
    Operand,
    Unsupported,
    lowered_op_classes,
    lowering_for,
    lowers,
)

FAMILIES = (
    constants,
    control,
    elementwise,
    image,
    loss,
    nn,
    reduce,
    rnn,
    signal,
    tensor,
    transformer,
)
"""The family modules; importing each one registers the lowerings of its ops."""

__all__ = [
    "FAMILIES",
    "Emit",
    "Multi",
    "Operand",
    "Unsupported",
    "lowered_op_classes",
    "lowering_for",
    "lowers",
]
