"""`ramiel-opt`: the mlir-opt style driver of Ramiel, built on xDSL's `xDSLOptMain`.

    ramiel-opt model.onnx -o model.mlir        # import; weights to model.weights.safetensors
    ramiel-opt model.mlir --canonicalize       # parse, verify, run passes, print
    ramiel-opt in.mlir -p 'canonicalize,cse' --print-op-generic

Pass flags follow mlir-opt: `--canonicalize` runs a pass, `--cluster='workers=2'`
gives it options, and flags apply in command-line order after any `-p` pipeline.
Errors print as `ramiel-opt: error: file:line:col: message` and exit with 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, cast

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError
from xdsl.xdsl_opt_main import xDSLOptMain

from ramiel.dialects.dataflow import WEIGHTS_FILE_ATTR, WeightOp
from ramiel.tools.diagnostics import (
    LocatingParser,
    RamielError,
    SourceMap,
    format_diagnostic,
    format_parse_error,
    verify_with_locations,
)
from ramiel.weights import WeightStore

PASS_FLAGS = ("canonicalize", "cse", "dce", "fuse", "cluster", "clone", "streams")
"""Passes that get an mlir-opt style flag of their own."""

WEIGHTS_SUFFIX = ".weights.safetensors"


class _AppendPassName(argparse.Action):
    """`--canonicalize` (no value): append the pass name to the ordered pass list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        items.append((option_string or "").lstrip("-"))
        setattr(namespace, self.dest, items)


def rewrite_pass_flags(argv: Sequence[str]) -> list[str]:
    """`--P=opts` -> `--pass-flag=P{opts}`, so argparse never takes the input file as options."""
    out: list[str] = []
    for arg in argv:
        name, eq, opts = arg[2:].partition("=")
        if arg.startswith("--") and eq and name in PASS_FLAGS:
            out.append(f"--pass-flag={name}{{{opts}}}")
        else:
            out.append(arg)
    return out


def weights_path_for(output: Path) -> Path:
    """`out.mlir` -> `out.weights.safetensors`, beside it."""
    return output.with_name(output.stem + WEIGHTS_SUFFIX)


class RamielOptMain(xDSLOptMain):
    """mlir-opt conventions over the `onnx` and `dataflow` dialects, with an `.onnx` frontend."""

    def __init__(self, args: Sequence[str] | None = None) -> None:
        argv = rewrite_pass_flags(sys.argv[1:] if args is None else args)
        self.source_map = SourceMap()
        super().__init__(description="ramiel-opt: the Ramiel optimizer driver", args=argv)

    def register_all_dialects(self) -> None:
        super().register_all_dialects()

        def onnx_dialect():
            from ramiel.dialects.onnx import Onnx

            return Onnx

        def dataflow_dialect():
            from ramiel.dialects.dataflow import Dataflow

            return Dataflow

        self.ctx.register_dialect("onnx", onnx_dialect)
        self.ctx.register_dialect("dataflow", dataflow_dialect)

    def register_all_frontends(self) -> None:
        super().register_all_frontends()

        def parse_mlir(stream: IO[bytes]) -> ModuleOp:
            text = stream.read().decode("utf-8", errors="replace")
            if not _has_content(text):
                return ModuleOp([])
            parser = LocatingParser(self.ctx, text, self.get_input_name())
            parser.source_map = self.source_map
            module = parser.parse_module(not self.args.no_implicit_module)
            self._attach_weights_from_attribute(module)
            return module

        def parse_onnx(stream: IO[bytes]) -> ModuleOp:
            from ramiel.importer.onnx_importer import import_model, parse_model
            from ramiel.weights import attach_weights

            name = self.get_input_name()
            base = Path(self.args.input_file).parent if self.args.input_file else None
            imported = import_model(parse_model(stream.read(), name, base))
            if self.args.input_file:
                imported.weights.source = Path(self.args.input_file)
            attach_weights(imported.module, imported.weights)
            return imported.module

        self.available_frontends["mlir"] = parse_mlir
        self.available_frontends["onnx"] = parse_onnx

    def register_all_passes(self) -> None:
        super().register_all_passes()

        def canonicalize_pass() -> type[ModulePass]:
            from ramiel.passes.canonicalize import CanonicalizePass

            return CanonicalizePass

        def cluster_pass() -> type[ModulePass]:
            from ramiel.passes.cluster import ClusterPass

            return ClusterPass

        def clone_pass() -> type[ModulePass]:
            from ramiel.passes.clone import ClonePass

            return ClonePass

        def fuse_pass() -> type[ModulePass]:
            from ramiel.passes.fuse import FusePass

            return FusePass

        def streams_pass() -> type[ModulePass]:
            from ramiel.passes.streams import StreamsPass

            return StreamsPass

        # Replaces xDSL's generic canonicalize: ours also folds through the op table.
        self.register_pass("canonicalize", canonicalize_pass)
        self.register_pass("fuse", fuse_pass)
        self.register_pass("cluster", cluster_pass)
        self.register_pass("clone", clone_pass)
        self.register_pass("streams", streams_pass)

    def register_all_targets(self) -> None:
        super().register_all_targets()

        def python_target():
            from ramiel.codegen.python import PythonTarget

            return PythonTarget

        def cuda_target():
            from ramiel.codegen.cuda import CudaTarget

            return CudaTarget

        self.available_targets["python"] = python_target
        self.available_targets["cuda"] = cuda_target

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        group = arg_parser.add_argument_group("pass flags (applied in command-line order)")
        for pass_name in PASS_FLAGS:
            group.add_argument(
                f"--{pass_name}",
                dest="ordered_pass_flags",
                action=_AppendPassName,
                nargs=0,
                help=f"run '{pass_name}'; options as --{pass_name}='opt1=v opt2=v'",
            )
        arg_parser.add_argument(
            "--pass-flag", dest="ordered_pass_flags", action="append", help=argparse.SUPPRESS
        )
        arg_parser.add_argument(
            "--mlir-print-op-generic",
            dest="print_op_generic",
            action="store_true",
            help="alias of --print-op-generic",
        )

    def setup_pipeline(self) -> None:
        flags: list[str] = getattr(self.args, "ordered_pass_flags", None) or []
        if flags:
            spec = ",".join(flags)
            self.args.passes = f"{self.args.passes},{spec}" if self.args.passes else spec
        super().setup_pipeline()
        source_map = self.source_map

        def verify_between(
            previous: ModulePass | None, module: ModuleOp, following: ModulePass | None
        ) -> None:
            if not self.args.disable_verify:
                verify_with_locations(module, source_map)

        self.pipeline = type(self.pipeline)(self.pipeline.passes, verify_between)

    def _attach_weights_from_attribute(self, module: ModuleOp) -> None:
        from ramiel.weights import attach_weights

        attr = module.attributes.get(WEIGHTS_FILE_ATTR)
        if not isinstance(attr, StringAttr):
            return
        base = Path(self.args.input_file).parent if self.args.input_file else Path.cwd()
        path = base / attr.data
        if path.suffix == ".onnx":
            attach_weights(module, WeightStore(loader=lambda: _onnx_weights(path), source=path))
        else:
            attach_weights(module, WeightStore.from_file(path))

    def run(self) -> None:
        """Parse, verify, transform and print each input chunk; write output files atomically."""
        chunks, extension = self.prepare_input()
        texts: list[str] = []
        modules: list[ModuleOp] = []
        output = Path(self.args.output_file) if self.args.output_file else None
        for chunk, offset in chunks:
            self.source_map.line_offset = offset
            try:
                module = self.parse_chunk(chunk, extension, offset)
                if module is None:
                    continue
                if not self.args.disable_verify:
                    verify_with_locations(module, self.source_map)
                self.apply_passes(module)
                self._point_at_weights(module, output)
                modules.append(module)
                texts.append(self.output_resulting_program(module))
            except ParseError as error:
                error.span = dataclasses.replace(error.span, line_offset=offset)
                diagnostic = format_parse_error(error)
                if not (self.args.parsing_diagnostics or self.args.verify_diagnostics):
                    raise diagnostic from None
                texts.append(diagnostic.diagnostic_line() + "\n")
            except (RamielError, DiagnosticException) as error:
                diagnostic = error if isinstance(error, RamielError) else format_diagnostic(error)
                if not self.args.verify_diagnostics:
                    raise diagnostic from None
                texts.append(diagnostic.diagnostic_line() + "\n")
            finally:
                chunk.close()
        text = "// -----\n".join(texts)
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            _write_outputs(output, text, modules)

    def _point_at_weights(self, module: ModuleOp, output: Path | None) -> None:
        """Point the module's `dataflow.weights` at its weights, as seen from the output."""
        from ramiel.weights import weights_of

        if not any(isinstance(op, WeightOp) for op in module.walk()):
            module.attributes.pop(WEIGHTS_FILE_ATTR, None)
            return
        if output is not None:
            module.attributes[WEIGHTS_FILE_ATTR] = StringAttr(weights_path_for(output).name)
            return
        if WEIGHTS_FILE_ATTR in module.attributes:
            return  # Printed text keeps the reference as read, relative to the input file.
        store = weights_of(module)
        if store is not None and store.source is not None:
            module.attributes[WEIGHTS_FILE_ATTR] = StringAttr(os.path.relpath(store.source))


def _onnx_weights(path: Path) -> Mapping[str, np.ndarray]:
    from ramiel.importer.onnx_importer import import_model

    return import_model(path).weights.arrays()


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("//") for line in text.splitlines())


def _write_outputs(output: Path, text: str, modules: Sequence[ModuleOp]) -> None:
    """Write the IR and, if it references weights, its weights file; nothing on failure."""
    from ramiel.weights import WeightError, weights_of, write_safetensors

    tensors: dict[str, tuple[Attribute, np.ndarray]] = {}
    for module in modules:
        weight_ops = [op for op in module.walk() if isinstance(op, WeightOp)]
        if not weight_ops:
            continue
        store = weights_of(module)
        if store is None:
            raise RamielError("the module references weights but no weights file is known")
        for op in weight_ops:
            key = op.key.data
            tensors[key] = (_weight_element_type(op), _checked_weight(store, op))
    directory = output.parent
    temporary: list[Path] = []
    try:
        ir_tmp = _temporary_in(directory, output.name)
        temporary.append(ir_tmp)
        ir_tmp.write_text(text)
        weights_tmp: Path | None = None
        if tensors:
            weights_tmp = _temporary_in(directory, weights_path_for(output).name)
            temporary.append(weights_tmp)
            write_safetensors(weights_tmp, tensors)
        if weights_tmp is not None:
            os.replace(weights_tmp, weights_path_for(output))
        os.replace(ir_tmp, output)
    except (OSError, WeightError) as error:
        raise RamielError(f"cannot write '{output}': {error}") from None
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)


def _weight_element_type(op: WeightOp) -> Attribute:
    result_type = op.result.type
    if not isinstance(result_type, TensorType):
        raise RamielError(
            f"weight '{op.key.data}' must have a ranked tensor type, not {result_type}"
        )
    return result_type.element_type


def _checked_weight(store: WeightStore, op: WeightOp) -> np.ndarray:
    """The stored array of `op`, which must agree with the op's declared type."""
    from ramiel.weights import storage_dtype

    key = op.key.data
    array = store[key]
    result_type = cast(TensorType[Attribute], op.result.type)
    expected_shape = tuple(result_type.get_shape())
    expected_dtype = storage_dtype(result_type.element_type)
    if array.shape != expected_shape or array.dtype != expected_dtype:
        source = f" in '{store.source}'" if store.source is not None else ""
        raise RamielError(
            f"weight '{key}'{source} is {array.dtype}{list(array.shape)}, but the IR declares "
            f"{result_type}"
        )
    return array


def _temporary_in(directory: Path, name: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=f".{name}.", dir=directory or Path("."))
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return Path(path)


def main(args: Sequence[str] | None = None) -> None:
    """Entry point of the `ramiel-opt` command."""
    try:
        RamielOptMain(args=args).run()
    except RamielError as error:
        _fail(str(error))
    except ParseError as error:
        _fail(str(format_parse_error(error)))
    except DiagnosticException as error:
        _fail(str(format_diagnostic(error)))
    except ArgSpecParseError as error:
        _fail(" ".join(str(error).split()))
    except (ValueError, OSError) as error:
        _fail(str(error))
    except KeyboardInterrupt:
        sys.exit(130)


def _fail(message: str) -> None:
    sys.stdout.flush()
    print(f"ramiel-opt: error: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
