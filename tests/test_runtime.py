"""`ramiel.runtime`: what generated code imports besides torch."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from xdsl.dialects.builtin import BFloat16Type, Float32Type, IntegerType

import ramiel.runtime as rt
from ramiel.weights import write_safetensors


def test_family_helpers_do_not_shadow_each_other() -> None:
    """`ramiel.runtime` star-imports every family module: a name defined twice would be
    silently taken from the last one."""
    owners: dict[str, str] = {}
    for info in pkgutil.iter_modules(rt.__path__):
        module = importlib.import_module(f"ramiel.runtime.{info.name}")
        for name in getattr(module, "__all__", []):
            assert name not in owners, f"rt.{name} is defined in {owners[name]} and {info.name}"
            owners[name] = info.name
            assert getattr(rt, name) is getattr(module, name)
            assert name not in {"InputSpec", "InputError", "check_inputs", "load_weights"}


def test_check_inputs_accepts_matching_tensors_and_dynamic_dims() -> None:
    specs = (rt.InputSpec("x", torch.float32, (None, 3)), rt.InputSpec("n", torch.int64, ()))
    x, n = torch.zeros(5, 3), torch.tensor(2)
    assert list(rt.check_inputs((x, n), specs)) == [x, n]
    static = (rt.InputSpec("x", torch.float32, (5, 3)),)
    assert list(rt.check_inputs((x,), static)) == [x]
    with pytest.raises(rt.InputError, match=r"expected shape torch.float32\[5, 3\], got \[3, 5\]"):
        rt.check_inputs((x.t(),), static)
    with pytest.raises(rt.InputError, match=r"expected dtype torch.float32, got torch.float64"):
        rt.check_inputs((x.double(),), static)


def test_check_inputs_sequences_and_optionals() -> None:
    specs = (
        rt.InputSpec("seq", torch.float32, None, kind="sequence"),
        rt.InputSpec("opt", torch.float32, (2,), kind="optional"),
    )
    rt.check_inputs(([torch.zeros(1), torch.zeros(3)], None), specs)
    with pytest.raises(rt.InputError, match=r"input 0 'seq': expected a list of torch.float32"):
        rt.check_inputs(([torch.zeros(1, dtype=torch.int64)], None), specs)


def test_check_inputs_rank_mismatch() -> None:
    spec = rt.InputSpec("x", torch.float32, (2, 3))
    with pytest.raises(rt.InputError, match=r"expected shape torch.float32\[2, 3\], got \[6\]"):
        rt.check_inputs((torch.zeros(6),), (spec,))


def test_load_weights_reads_what_ramiel_writes(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, -2, 3], dtype=np.int64)
    bf16 = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    bits = bf16.view(torch.int16).numpy().view(np.uint16)
    empty = np.zeros((0, 4), dtype=np.float32)
    write_safetensors(
        path,
        {
            "a": (Float32Type(), a),
            "b": (IntegerType(64), b),
            "h": (BFloat16Type(), bits),
            "e": (Float32Type(), empty),
        },
    )
    weights = rt.load_weights(path)
    assert torch.equal(weights["a"], torch.as_tensor(a))
    assert torch.equal(weights["b"], torch.as_tensor(b))
    assert weights["h"].dtype == torch.bfloat16 and torch.equal(weights["h"], bf16)
    assert weights["e"].shape == (0, 4)


def test_load_weights_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x05")
    with pytest.raises(ValueError, match="cannot read weights file"):
        rt.load_weights(path)


_CHURN = """
import resource, sys, torch
import ramiel.runtime as rt
tuned = rt.tune_malloc()
def churn() -> None:
    blocks = [torch.ones(1 << 18) for _ in range(40)]  # 40 blocks of 1 MiB, touched
    del blocks
churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    churn()
print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_tune_malloc_keeps_freed_memory_for_the_next_call() -> None:
    """Blocks of a few MiB freed at the end of one call are reused by the next, not
    returned to the kernel and faulted in again page by page."""

    def page_faults(env: dict[str, str]) -> tuple[str, int]:
        done = subprocess.run(
            [sys.executable, "-c", _CHURN],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        tuned, faults = done.stdout.split()
        return tuned, int(faults)

    untuned_flag, untuned = page_faults({"RAMIEL_TUNE_MALLOC": "0"})
    tuned_flag, tuned = page_faults({"RAMIEL_TUNE_MALLOC": "1"})  # whatever the caller set
    assert (untuned_flag, tuned_flag) == ("False", "True")
    pages = 5 * 40 * (1 << 20) // 4096
    # glibc's defaults hand the 40 MiB back after one call or after every call (10K to
    # 51K faults seen); tuned, about 1,300 faults in all (PyTorch's own).
    assert tuned < pages // 10
    assert untuned > 4 * tuned


class _TwoWorkers(torch.nn.Module):
    """Worker 1 scales the input by a weight that requires grad; worker 0 returns it."""

    def __init__(self, script: bool) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(2.0))
        self.exchange = rt.Exchange(2)
        self.workers = rt.Workers(self, ("_worker_0", "_worker_1"), script=script)

    def _worker_0(self, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
        ex = self.exchange
        rt.send(ex, 1, inputs[0])
        outputs = [rt.take(ex, 2)]
        rt.clear(ex)
        return outputs

    def _worker_1(self) -> None:
        ex = self.exchange
        rt.send(ex, 2, rt.take(ex, 1) * self.scale)


@pytest.mark.parametrize("script", [True, False])
def test_workers_run_in_the_callers_grad_and_inference_modes(script: bool) -> None:
    model = _TwoWorkers(script)
    assert model.workers.compiled == script, model.workers.why_not
    x = torch.ones(3)
    for _ in range(2):  # each mode twice in a row, then another one: no mode sticks
        (y,) = model.workers.run([x])
        assert y.requires_grad and not y.is_inference()
        with torch.no_grad():
            (y,) = model.workers.run([x])
        assert not y.requires_grad and not y.is_inference()
        with torch.inference_mode():
            (y,) = model.workers.run([x])
        assert y.is_inference()
        assert torch.equal(y, torch.full((3,), 2.0))  # this call's value, not a stale one
