"""How long each op takes in the generated code, in microseconds: the weights of clustering.

Two sources behind one interface:

* `AnalyticCostModel`: FLOPs and bytes moved per op, turned into time by per-kind rates
  calibrated on this machine (`benchmarks/calibrate_cost_model.py` writes
  `ramiel/passes/cost_calibration.json`);
* `ProfileCostModel`: every op of the serial generated code timed on an example input
  (`ramiel.passes.profile`), cached per model.

Either way an op carrying a `dataflow.cost_us` attribute costs what it says: tests use it to
build graphs whose right schedule is known by hand. `edge_us` is the cost of handing a value
from one worker thread to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation

from ramiel.dialects.dataflow import WeightOp
from ramiel.dialects.onnx_ops import ConstantOp

if TYPE_CHECKING:
    from ramiel.passes.analytic_cost import Calibration

COST_ATTR = "dataflow.cost_us"
"""An op attribute that fixes the op's cost in microseconds, whatever the model says."""

CostModelName = Literal["analytic", "profile"]
COST_MODELS: tuple[CostModelName, ...] = ("analytic", "profile")


INTRA_OP_EFFICIENCY = 0.92
"""Fraction of linear speedup an op's intra-op threads reach (oneDNN convolutions at batch 1
on this machine: 1.76x to 1.99x on 2 threads)."""
INTRA_OP_SYNC_US = 8.0
"""Fixed cost of splitting one op over threads: the OpenMP fork and join."""


def intra_op_cost(cost_us: float, threads: int) -> float:
    """The time of an op that takes `cost_us` on one thread when it runs on `threads`
    intra-op threads: split work plus the fork/join cost, never more than one thread's."""
    if threads <= 1:
        return cost_us
    return min(cost_us, cost_us / (threads * INTRA_OP_EFFICIENCY) + INTRA_OP_SYNC_US)


def given_cost(op: Operation) -> float | None:
    """The cost an op's `dataflow.cost_us` attribute fixes, if it has one."""
    attr = op.attributes.get(COST_ATTR)
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, IntegerAttr):
        return float(attr.value.data)
    return None


class CostModel:
    """Per-op costs and the cross-worker hand-off cost, in microseconds."""

    name: str = "cost"

    def __init__(self, edge_us: float) -> None:
        self.edge_us = edge_us
        """The cost of a value crossing from one worker to another (a future hand-off)."""

    def op_cost(self, op: Operation) -> float:
        """The estimated time of `op` in the generated code, in microseconds."""
        given = given_cost(op)
        if given is not None:
            return given
        if isinstance(op, WeightOp | ConstantOp):
            return 0.0
        return self.estimate(op)

    def estimate(self, op: Operation) -> float:
        """The model's own estimate for an op without a fixed cost."""
        raise NotImplementedError


class AnalyticCostModel(CostModel):
    """FLOPs and bytes moved per op, at rates calibrated on this machine."""

    name = "analytic"

    def __init__(self, edge_us: float | None = None) -> None:
        super().__init__(default_edge_us() if edge_us is None else edge_us)
        self._calibration: Calibration | None = None

    @property
    def calibration(self) -> Calibration:
        """The calibrated rates, read when first needed."""
        if self._calibration is None:
            from ramiel.passes.analytic_cost import load_calibration

            self._calibration = load_calibration()
        return self._calibration

    def estimate(self, op: Operation) -> float:
        from ramiel.passes.analytic_cost import analytic_cost_us

        return analytic_cost_us(op, self.calibration)


class TableCostModel(CostModel):
    """Costs looked up per op (from a profile); ops missing from the table fall back, or
    cost nothing without a fallback (the profile times every op that runs)."""

    name = "profile"

    def __init__(
        self,
        costs: Mapping[Operation, float],
        fallback: CostModel | None,
        edge_us: float | None = None,
    ) -> None:
        if edge_us is None:
            edge_us = 0.0 if fallback is None else fallback.edge_us
        super().__init__(edge_us)
        self.costs = costs
        self.fallback = fallback

    def estimate(self, op: Operation) -> float:
        cost = self.costs.get(op)
        if cost is not None:
            return cost
        return 0.0 if self.fallback is None else self.fallback.op_cost(op)


def default_edge_us() -> float:
    """The calibrated cost of one cross-worker hand-off."""
    from ramiel.passes.analytic_cost import load_calibration

    return load_calibration().edge_us
