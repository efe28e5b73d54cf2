"""The GPU printer (`--target cuda`): `onnx` IR with a launch plan -> a readable PyTorch
module that runs every op on its CUDA stream, captured once in a CUDA Graph.

The `streams` pass (`ramiel.passes.streams`) orders `@main`'s ops for launch and gives
each a `dataflow.stream`; an op without one runs on stream 0. The module prints:

    class Model(torch.nn.Module):
        def launch(self, x):                  # every op on its stream, in launch order
            s0 = torch.cuda.current_stream(self.device)
            (s1,) = self.streams
            s1.wait_stream(s0)
            a = F.conv2d(x, self.w1)
            a_done = torch.cuda.Event()
            a_done.record(s0)
            with torch.cuda.stream(s1):
                s1.wait_event(a_done)
                b = torch.relu(a)
            ...
        def capture(self, inputs): ...       # warm up, then torch.cuda.graph(...)
        def forward(self, *inputs): ...      # capture once per input shape, then replay

Events sit only on cross-stream edges, and only where no earlier wait already orders the
two ops (`plan_events`). Stream 0 is the stream `launch` is called on; side streams start
after it (`wait_stream`), which also brings them into a capture, and it waits for each of
them at the end, which a capture requires. A value read on another stream than its own is
kept alive until `launch` returns, so the caching allocator cannot hand its memory to a
later kernel of its stream while another stream still reads it; values read only on their
own stream are freed after their last use as in CPU code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.utils.target import Target

from ramiel.codegen.python import (
    InputSignature,
    PythonPrinter,
    _Line,  # pyright: ignore[reportPrivateUsage]
    _string_list,  # pyright: ignore[reportPrivateUsage]
    _tuple,  # pyright: ignore[reportPrivateUsage]
    _where,  # pyright: ignore[reportPrivateUsage]
)
from ramiel.dialects.dataflow import ConvOp as KernelConvOp
from ramiel.importer.onnx_importer import OUTPUT_NAMES_ATTR
from ramiel.passes.streams import STREAM_ATTR, plan_events
from ramiel.tools.diagnostics import RamielError

WARMUP_CALLS = 3
"""Eager calls before capture: cuDNN picks its algorithms, lazy state is built, and the
allocator's pools fill, none of which may happen inside a capture."""


class CudaPrinter(PythonPrinter):
    """Prints `@main` as a `Model` whose `launch` runs each op on its stream, and whose
    `forward` replays a CUDA Graph of `launch` captured on the first call with each input
    shape. Ops are printed by the same lowerings as CPU code."""

    def __init__(self, module: ModuleOp, *, weights_file: str | None = None) -> None:
        super().__init__(module, weights_file=weights_file)
        self.stream_names: list[str] = []

    def print_module(self) -> str:
        """The generated Python module's source."""
        main, params, signatures = self._main_signature()
        block = main.body.block
        terminator = block.last_op
        assert isinstance(terminator, func.ReturnOp)
        outputs = list(terminator.arguments)
        ops = self._serial_ops(block)
        for op in ops:
            if isinstance(op, KernelConvOp):
                raise RamielError(
                    "dataflow.conv is a oneDNN CPU kernel; compile for --target cuda "
                    "without the fuse pass",
                    _where(op),
                )
        lines = self._lower_all(ops)
        stream = _dense_streams([line.op for line in lines])
        self.stream_names = [self.names.fresh(f"s{i}") for i in range(max(stream, default=0) + 1)]
        for line in lines:
            self.roots |= line.uses
        self.roots.update(self.alias.get(v, v) for v in outputs)
        results = [self._operand(v).expr for v in outputs]
        body = self._launch_body(lines, stream, outputs)
        output_names = _string_list(main.attributes.get(OUTPUT_NAMES_ATTR))
        return self._cuda_module_text(params, signatures, body, results, output_names)

    def _launch_body(
        self, lines: Sequence[_Line], stream: Sequence[int], outputs: Sequence[SSAValue]
    ) -> list[str]:
        """`launch`'s statements: stream set-up, one block per run of same-stream ops with
        their waits and event records, and the final join."""
        producer: dict[SSAValue, int] = {}
        for index, line in enumerate(lines):
            for result in line.op.results:
                producer[result] = index
        preds = [
            sorted({producer[v] for v in line.uses if producer.get(v, index) != index})
            for index, line in enumerate(lines)
        ]
        count = len(self.stream_names)
        events = plan_events(preds, range(len(lines)), stream, count)
        names = self.stream_names
        event_name: dict[int, str] = {}
        for index in sorted(events.recorded):
            results = lines[index].op.results
            base = self.exprs.get(results[0], "op") if results else "op"
            event_name[index] = self.names.fresh(f"{base.removeprefix('self.')}_done")
        frees = self._frees(lines, stream, outputs)
        out = [f"{names[0]} = torch.cuda.current_stream(self.device)"]
        if count > 1:
            side = names[1:]
            out.append(f"{_unpack_all(side)} = self.streams")
            out.append("# Side streams start after the work queued on s0 (the inputs).")
            out += [f"{s}.wait_stream({names[0]})" for s in side]
        run: list[str] = []
        current = 0

        def flush() -> None:
            if current == 0:
                out.extend(run)
            elif run:
                out.append(f"with torch.cuda.stream({names[current]}):")
                out.extend(f"    {text}" for text in run)
            run.clear()

        for index, line in enumerate(lines):
            if stream[index] != current:
                flush()
                current = stream[index]
            s = names[current]
            run.extend(f"{s}.wait_event({event_name[p]})" for p in events.waits.get(index, []))
            run.extend(line.prelude)
            text = line.text
            if frees.get(index):
                text += f"; del {', '.join(frees[index])}"
            run.append(text + self._label_comment(line.op))
            if index in events.recorded:
                run.append(f"{event_name[index]} = torch.cuda.Event()")
                run.append(f"{event_name[index]}.record({s})")
        flush()
        if count > 1:
            out.append("# A capture must join every stream it forked.")
            out += [f"{names[0]}.wait_stream({s})" for s in names[1:]]
        return out

    def _frees(
        self, lines: Sequence[_Line], stream: Sequence[int], outputs: Sequence[SSAValue]
    ) -> dict[int, list[str]]:
        """Line index -> names deleted after it: values read only on their own stream."""
        keep = {self.alias.get(v, v) for v in outputs}
        home: dict[SSAValue, int] = {}
        for index, line in enumerate(lines):
            for result in line.op.results:
                home[result] = stream[index]
        last: dict[SSAValue, int] = {}
        crosses: set[SSAValue] = set()
        for index, line in enumerate(lines):
            for value in line.uses:
                if value in home:
                    last[value] = index
                    if home[value] != stream[index]:
                        crosses.add(value)
        frees: dict[int, list[str]] = {}
        for value, index in last.items():
            name = self.exprs[value]
            if value in keep or value in crosses or name.startswith("self."):
                continue
            frees.setdefault(index, []).append(name)
        return {i: sorted(set(names)) for i, names in frees.items()}

    def _cuda_module_text(
        self,
        params: list[str],
        signatures: list[InputSignature],
        body: list[str],
        results: list[str],
        output_names: list[str],
    ) -> str:
        w = self._preamble(
            signatures,
            output_names,
            title="PyTorch code for a CUDA GPU generated by Ramiel from an ONNX model.",
            abc_imports="Mapping, Sequence",
        )
        side = len(self.stream_names) - 1
        param_list = "".join(f", {p}: torch.Tensor" for p in params)
        w += [
            "",
            "",
            "class Model(torch.nn.Module):",
            '    """The ONNX graph on a CUDA GPU. `launch` runs every op on its stream;',
            "    `forward` captures `launch` into a CUDA Graph on the first call with each",
            '    input shape and replays it, returning copies of the outputs (`copy_outputs`)."""',
            "",
            "    def __init__(",
            "        self,",
            "        weights: Mapping[str, torch.Tensor] | None = None,",
            "        *,",
            '        device: str | torch.device = "cuda",',
            "        copy_outputs: bool = True,",
            "    ) -> None:",
            "        super().__init__()",
            "        self.device = torch.device(device)",
            "        rt.require_cuda(self.device)",
        ]
        w += self._loading_lines()
        w += [
            "        self.to(self.device)",
            "        self.copy_outputs = copy_outputs",
            "        self.graphs: dict[tuple[tuple[int, ...], ...], rt.CapturedGraph] = {}",
        ]
        w.append(
            "        # Distinct slots of PyTorch's stream pool (32 per priority): the side streams,"
        )
        w.append("        # then the stream that warms up and captures (stream 0 of `launch`).")
        if side:
            w.append(
                f"        self.streams = [torch.cuda.Stream(self.device) for _ in range({side})]"
            )
        w.append("        self.capture_stream = torch.cuda.Stream(self.device)")
        streams = f"{side + 1} streams" if side else "one stream"
        w += [
            "",
            f"    def launch(self{param_list}) -> tuple[torch.Tensor, ...]:",
            f'        """Every op in launch order on its stream ({streams}); events only where a',
            '        value crosses streams."""',
        ]
        w += [f"        {line}" for line in body]
        w.append(f"        return {_tuple(results)}")
        w += [
            "",
            "    def capture(self, inputs: Sequence[torch.Tensor]) -> rt.CapturedGraph:",
            '        """`launch` as one CUDA Graph, reading static copies of `inputs`."""',
            "        static = [x.to(self.device, copy=True) for x in inputs]",
            "        stream = self.capture_stream",
            "        stream.wait_stream(torch.cuda.current_stream(self.device))",
            "        with torch.cuda.stream(stream):",
            "            # Nothing may be set up lazily inside a capture.",
            f"            for _ in range({WARMUP_CALLS}):",
            "                self.launch(*static)",
            "        torch.cuda.current_stream(self.device).wait_stream(stream)",
            "        graph = torch.cuda.CUDAGraph()",
            "        with torch.cuda.graph(graph, stream=stream):",
            "            outputs = self.launch(*static)",
            "        return rt.CapturedGraph(graph, static, outputs)",
            "",
            "    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:",
            "        checked = rt.check_inputs(inputs, INPUTS)",
            "        key = tuple(tuple(x.shape) for x in checked)",
            "        graph = self.graphs.get(key)",
            "        if graph is None:",
            "            graph = self.graphs[key] = self.capture(checked)",
            "        return graph.run(checked, self.copy_outputs)",
        ]
        return "\n".join(w) + "\n"


def _dense_streams(ops: Sequence[Operation]) -> list[int]:
    """Each op's `dataflow.stream` (absent: 0), renumbered densely in order of first use,
    so the first op's stream is stream 0."""
    dense: dict[int, int] = {}
    streams: list[int] = []
    for op in ops:
        attr = op.attributes.get(STREAM_ATTR)
        given = attr.value.data if isinstance(attr, IntegerAttr) else 0
        streams.append(dense.setdefault(given, len(dense)))
    return streams


def _unpack_all(names: Sequence[str]) -> str:
    return f"({names[0]},)" if len(names) == 1 else ", ".join(names)


def print_cuda(module: ModuleOp, *, weights_file: str | None = None) -> str:
    """The GPU module printed from `module` (see `CudaPrinter`)."""
    return CudaPrinter(module, weights_file=weights_file).print_module()


@dataclass(frozen=True)
class CudaTarget(Target):
    """`ramiel-opt -t cuda`: print the module as PyTorch code for CUDA streams in a CUDA
    Graph (run `-p streams` first for more than one stream)."""

    name = "cuda"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        del ctx
        output.write(print_cuda(module))
