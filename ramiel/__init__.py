"""Ramiel: an ahead-of-time compiler from ONNX to parallel PyTorch code.

import ramiel
model = ramiel.compile("model.onnx")   # a torch.nn.Module; model.code is its source
outputs = model(*inputs)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ramiel.compiler import compile as compile

__all__ = ["compile"]


def __getattr__(name: str) -> Any:
    # Imported lazily: `ramiel-opt` must not pay for importing torch.
    if name == "compile":
        from ramiel.compiler import compile

        return compile
    raise AttributeError(f"module 'ramiel' has no attribute {name!r}")
