"""What generated GPU code (`--target cuda`) needs besides PyTorch: the check that a CUDA
device is there, and a captured CUDA Graph with its static input and output buffers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["CapturedGraph", "CudaUnavailableError", "require_cuda"]


class CudaUnavailableError(RuntimeError):
    """A model compiled for `--target cuda` was built where PyTorch sees no CUDA device."""


def require_cuda(device: torch.device) -> None:
    """Raise `CudaUnavailableError`, saying what to do, when PyTorch has no CUDA device."""
    if not torch.cuda.is_available():
        raise CudaUnavailableError(
            "this model was compiled for a CUDA GPU (--target cuda): it runs on CUDA streams "
            f"captured in a CUDA Graph and needs a CUDA device ('{device}'), but "
            "torch.cuda.is_available() is False here; compile it with --target cpu to run "
            "it on this machine"
        )


class CapturedGraph:
    """One CUDA Graph of a whole forward pass: the static input buffers its kernels read
    and the static output tensors they write. `run` copies new inputs in and replays."""

    def __init__(
        self, graph: Any, inputs: Sequence[torch.Tensor], outputs: Sequence[torch.Tensor]
    ) -> None:
        self.graph = graph
        self.inputs = list(inputs)
        self.outputs = tuple(outputs)

    def run(self, inputs: Sequence[torch.Tensor], copy_outputs: bool) -> tuple[torch.Tensor, ...]:
        """Replay on `inputs`. With `copy_outputs` the outputs are fresh tensors; without,
        they are the static buffers, which the next call overwrites."""
        for static, value in zip(self.inputs, inputs, strict=True):
            static.copy_(value, non_blocking=True)
        self.graph.replay()
        if copy_outputs:
            return tuple(output.clone() for output in self.outputs)
        return self.outputs
