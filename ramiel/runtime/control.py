"""Run-time helpers of the control operators (for code that `ramiel.ops.control` generates).

Loops (`loop`, `scan`), the sequence edits that need a dynamic position, and
`tfidf_vectorizer`. A sequence is a Python list of tensors; helpers never change a
list they are given (values may be shared), they return new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

__all__ = [
    "loop",
    "scan",
    "sequence_erase",
    "sequence_insert",
    "sequence_unzip",
    "tfidf_vectorizer",
]

Body = Callable[..., tuple[Any, ...]]


def _stack(items: list[torch.Tensor], dim: int = 0) -> torch.Tensor:
    if not items:
        return torch.empty(0)
    return torch.stack(items, dim)


def loop(
    body: Body,
    max_trip_count: torch.Tensor | None,
    cond: torch.Tensor | None,
    carried: Sequence[Any],
    *,
    scan_outputs: int = 0,
) -> list[Any]:
    """ONNX `Loop`: run `body(i, cond, *carried)` while `i < max_trip_count` and `cond`.

    The body returns `(cond, *carried, *scan_items)`; the result is the final carried
    values followed by each scan output, its items stacked along a new axis 0. When
    the `cond` input is absent, the body's cond output is ignored.
    """
    limit = None if max_trip_count is None else int(max_trip_count)
    keep_going = True if cond is None else bool(cond)
    values = list(carried)
    scans: list[list[Any]] = [[] for _ in range(scan_outputs)]
    i = 0
    while keep_going and (limit is None or i < limit):
        results = body(
            torch.tensor(i, dtype=torch.int64),
            torch.tensor(keep_going),
            *values,
        )
        if cond is not None:
            keep_going = bool(results[0])
        values = list(results[1 : 1 + len(values)])
        for items, item in zip(scans, results[1 + len(values) :], strict=True):
            items.append(item)
        i += 1
    return values + [_stack(items) for items in scans]


def scan(
    body: Body,
    states: Sequence[torch.Tensor],
    inputs: Sequence[torch.Tensor],
    *,
    scan_outputs: int,
    input_axes: Sequence[int] | None = None,
    input_directions: Sequence[int] | None = None,
    output_axes: Sequence[int] | None = None,
    output_directions: Sequence[int] | None = None,
) -> list[torch.Tensor]:
    """ONNX `Scan` (opset 9+): run `body(*states, *input_slices)` over the scan axis.

    The body returns `(*states, *output_slices)`; the result is the final states
    followed by the scan outputs, their slices stacked along `output_axes`. A direction
    of 1 scans an input, or builds an output, from the end.
    """
    in_axes = list(input_axes or [0] * len(inputs))
    in_dirs = list(input_directions or [0] * len(inputs))
    slices: list[list[torch.Tensor]] = []
    for x, axis, direction in zip(inputs, in_axes, in_dirs, strict=True):
        parts = list(torch.unbind(x, axis % x.dim()))
        slices.append(parts[::-1] if direction else parts)
    length = len(slices[0]) if slices else 0
    if any(len(parts) != length for parts in slices):
        raise ValueError("Scan: the scan inputs have different sequence lengths")
    values = list(states)
    outputs: list[list[torch.Tensor]] = [[] for _ in range(scan_outputs)]
    for t in range(length):
        results = body(*values, *(parts[t] for parts in slices))
        values = list(results[: len(values)])
        for items, item in zip(outputs, results[len(values) :], strict=True):
            items.append(item)
    out_axes = list(output_axes or [0] * scan_outputs)
    out_dirs = list(output_directions or [0] * scan_outputs)
    stacked: list[torch.Tensor] = []
    for items, axis, direction in zip(outputs, out_axes, out_dirs, strict=True):
        if direction:
            items = items[::-1]
        rank = items[0].dim() + 1 if items else 1
        stacked.append(_stack(items, axis % rank))
    return values + stacked


def sequence_insert(
    sequence: list[torch.Tensor], tensor: torch.Tensor, position: torch.Tensor
) -> list[torch.Tensor]:
    """A new sequence: `tensor` inserted before `position` (negative counts from the end)."""
    index = int(position)
    if not -len(sequence) <= index <= len(sequence):
        raise IndexError(f"SequenceInsert: position {index} is out of range")
    return [*sequence[:index], tensor, *sequence[index:]] if index else [tensor, *sequence]


def sequence_erase(sequence: list[torch.Tensor], position: torch.Tensor) -> list[torch.Tensor]:
    """A new sequence without the item at `position` (negative counts from the end)."""
    index = int(position)
    if not -len(sequence) <= index < len(sequence):
        raise IndexError(f"SequenceErase: position {index} is out of range")
    index %= len(sequence)
    return [*sequence[:index], *sequence[index + 1 :]]


def sequence_unzip(results: Sequence[tuple[Any, ...]], count: int) -> list[list[Any]]:
    """`count` sequences from the per-item result tuples of a `SequenceMap` body."""
    return [[result[k] for result in results] for k in range(count)]


def tfidf_vectorizer(
    x: torch.Tensor,
    *,
    mode: str,
    min_gram_length: int,
    max_gram_length: int,
    max_skip_count: int,
    ngram_counts: Sequence[int],
    ngram_indexes: Sequence[int],
    pool: Sequence[int],
    weights: Sequence[float] | None = None,
) -> torch.Tensor:
    """ONNX `TfIdfVectorizer` over integer tokens: n-gram counts (TF), their weights
    (IDF) or both (TFIDF) for each row of `x` ([C] or [N, C])."""
    size = max(ngram_indexes) + 1
    rows = x.reshape(1, -1) if x.dim() <= 1 else x
    counts = torch.zeros(rows.shape[0], size, dtype=torch.float32, device=x.device)
    first = 0  # position of the first n-gram of the current length in ngram_indexes
    for k, start in enumerate(ngram_counts):
        n = k + 1
        end = ngram_counts[k + 1] if k + 1 < len(ngram_counts) else len(pool)
        grams = torch.tensor(pool[start:end], dtype=x.dtype, device=x.device).reshape(-1, n)
        targets = torch.tensor(
            ngram_indexes[first : first + grams.shape[0]], dtype=torch.int64, device=x.device
        )
        first += grams.shape[0]
        if not min_gram_length <= n <= max_gram_length or grams.numel() == 0:
            continue
        # Unigrams do not depend on the skip distance: count them once.
        for skip in range(1 if n == 1 else max_skip_count + 1):
            span = (skip + 1) * (n - 1) + 1
            if span > rows.shape[1]:
                break
            windows = rows.unfold(1, span, 1)[..., :: skip + 1]  # [N, W, n]
            hits = (windows[:, :, None, :] == grams).all(-1).sum(1)  # [N, grams]
            counts.index_add_(1, targets, hits.to(torch.float32))
    if mode == "IDF":
        counts = (counts > 0).to(torch.float32)
    if mode in ("IDF", "TFIDF") and weights:
        counts = counts * torch.tensor(weights, dtype=torch.float32, device=x.device)
    return counts.reshape(size) if x.dim() <= 1 else counts
