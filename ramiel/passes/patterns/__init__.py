"""Canonicalization patterns of the `onnx` dialect, one small pattern per rewrite.

Each module defines some `RewritePattern`s and lists them in its `PATTERNS` tuple;
`canonicalization_patterns()` gathers them for the `canonicalize` pass. Every pattern
documents its algebra and has its own lit file under `lit_tests/canonicalize/`.
"""

from __future__ import annotations

from xdsl.pattern_rewriter import RewritePattern


def canonicalization_patterns() -> list[RewritePattern]:
    """Every canonicalization pattern, in the order the pass tries them."""
    from ramiel.passes.patterns import (
        batch_norm,
        channel_affine,
        constants,
        identities,
        merges,
        shapes,
    )

    return [
        *constants.PATTERNS,
        *identities.PATTERNS,
        *merges.PATTERNS,
        *shapes.PATTERNS,
        *batch_norm.PATTERNS,
        *channel_affine.PATTERNS,
    ]
