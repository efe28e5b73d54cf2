"""Weight tensors kept outside the IR, and their `.safetensors` files.

`dataflow.weight "key" : tensor<...>` ops reference tensors by key. The tensors
of a module live in a `WeightStore` attached to the module: arrays taken from an
ONNX model, or read lazily (memory-mapped) from the `.safetensors` file that the
module's `dataflow.weights` attribute names, relative to the IR file.

Ramiel writes and reads safetensors itself (the format is an 8-byte header
length, a JSON header and raw little-endian data) so that dtypes numpy lacks,
such as bfloat16, pass through as raw bits and `ramiel-opt` need not import torch.
The files are standard: `safetensors.safe_open` reads them.
"""

from __future__ import annotations

import json
import os
import struct
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import (
    BFloat16Type,
    Float8E4M3FNType,
    Float8E5M2Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    ModuleOp,
    Signedness,
)
from xdsl.ir import Attribute

# MLIR element type -> (safetensors dtype, numpy dtype holding its bits).
_SAFETENSORS_DTYPES: dict[Attribute, tuple[str, np.dtype[np.generic]]] = {
    Float64Type(): ("F64", np.dtype(np.float64)),
    Float32Type(): ("F32", np.dtype(np.float32)),
    Float16Type(): ("F16", np.dtype(np.float16)),
    BFloat16Type(): ("BF16", np.dtype(np.uint16)),
    Float8E4M3FNType(): ("F8_E4M3", np.dtype(np.uint8)),
    Float8E5M2Type(): ("F8_E5M2", np.dtype(np.uint8)),
    IntegerType(64): ("I64", np.dtype(np.int64)),
    IntegerType(32): ("I32", np.dtype(np.int32)),
    IntegerType(16): ("I16", np.dtype(np.int16)),
    IntegerType(8): ("I8", np.dtype(np.int8)),
    IntegerType(64, Signedness.UNSIGNED): ("U64", np.dtype(np.uint64)),
    IntegerType(32, Signedness.UNSIGNED): ("U32", np.dtype(np.uint32)),
    IntegerType(16, Signedness.UNSIGNED): ("U16", np.dtype(np.uint16)),
    IntegerType(8, Signedness.UNSIGNED): ("U8", np.dtype(np.uint8)),
    IntegerType(1): ("BOOL", np.dtype(np.bool_)),
}
_STORAGE_OF_DTYPE: dict[str, np.dtype[np.generic]] = {
    name: dtype for name, dtype in _SAFETENSORS_DTYPES.values()
}


class WeightError(ValueError):
    """A weight that cannot be found, stored or read."""


def storage_dtype(element_type: Attribute) -> np.dtype[np.generic]:
    """The numpy dtype that holds the bits of a weight of `element_type`."""
    entry = _SAFETENSORS_DTYPES.get(element_type)
    if entry is None:
        raise WeightError(f"weights of element type {element_type} cannot be stored")
    return entry[1]


def write_safetensors(
    path: str | os.PathLike[str], tensors: Mapping[str, tuple[Attribute, np.ndarray]]
) -> None:
    """Write `{key: (element type, array)}` to a safetensors file at `path`."""
    header: dict[str, object] = {}
    offset = 0
    arrays: list[np.ndarray] = []
    for key, (element_type, array) in tensors.items():
        entry = _SAFETENSORS_DTYPES.get(element_type)
        if entry is None:
            raise WeightError(f"weight '{key}': element type {element_type} cannot be stored")
        dtype_name, dtype = entry
        data = np.ascontiguousarray(array).view(dtype).reshape(array.shape)
        header[key] = {
            "dtype": dtype_name,
            "shape": list(data.shape),
            "data_offsets": [offset, offset + data.nbytes],
        }
        offset += data.nbytes
        arrays.append(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as stream:
        stream.write(struct.pack("<Q", len(header_bytes)))
        stream.write(header_bytes)
        for data in arrays:
            stream.write(data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes())


def read_safetensors(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Memory-map the tensors of a safetensors file (bfloat16 and float8 as raw bits)."""
    try:
        with open(path, "rb") as stream:
            (header_size,) = struct.unpack("<Q", stream.read(8))
            header = json.loads(stream.read(header_size))
    except (OSError, struct.error, ValueError) as error:
        raise WeightError(f"cannot read weights file '{path}': {error}") from None
    start = 8 + header_size
    size = os.path.getsize(path)
    raw = (
        np.memmap(path, dtype=np.uint8, mode="r", offset=start)
        if size > start
        else np.empty(0, dtype=np.uint8)
    )
    tensors: dict[str, np.ndarray] = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        dtype = _STORAGE_OF_DTYPE.get(info["dtype"])
        if dtype is None:
            raise WeightError(
                f"weights file '{path}': tensor '{key}' has unsupported dtype {info['dtype']}"
            )
        begin, end = info["data_offsets"]
        if begin == end:
            tensors[key] = np.empty(info["shape"], dtype=dtype)
        else:
            tensors[key] = raw[begin:end].view(dtype).reshape(info["shape"])
    return tensors


class WeightStore:
    """The weight tensors of one module, by key; loaded on first use."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray] | None = None,
        *,
        loader: Callable[[], Mapping[str, np.ndarray]] | None = None,
        source: Path | None = None,
    ) -> None:
        self._arrays: dict[str, np.ndarray] | None = dict(arrays) if arrays is not None else None
        self._loader = loader
        self.source = source
        """The file the weights come from, if any."""

    @classmethod
    def from_file(cls, path: Path) -> WeightStore:
        """A store that reads `path` (a `.safetensors` file) when a weight is first needed."""
        return cls(loader=lambda: read_safetensors(path), source=path)

    def _loaded(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            assert self._loader is not None
            self._arrays = dict(self._loader())
        return self._arrays

    def __getitem__(self, key: str) -> np.ndarray:
        arrays = self._loaded()
        if key not in arrays:
            where = f" in '{self.source}'" if self.source is not None else ""
            raise WeightError(f"weight '{key}' not found{where}")
        return arrays[key]

    def __contains__(self, key: str) -> bool:
        return key in self._loaded()

    def arrays(self) -> Mapping[str, np.ndarray]:
        """All tensors, by key."""
        return self._loaded()

    def add(self, key: str, array: np.ndarray) -> None:
        """Add or replace the tensor named `key`."""
        self._loaded()[key] = array

    def save(self, path: Path, keys: Iterable[tuple[str, Attribute]]) -> None:
        """Write the tensors named by `(key, element type)` pairs to a safetensors file."""
        write_safetensors(path, {key: (element_type, self[key]) for key, element_type in keys})


_STORES: weakref.WeakKeyDictionary[ModuleOp, WeightStore] = weakref.WeakKeyDictionary()


def attach_weights(module: ModuleOp, store: WeightStore) -> None:
    """Make `store` the weights of `module`."""
    _STORES[module] = store


def weights_of(module: ModuleOp) -> WeightStore | None:
    """The weights attached to `module`, if any."""
    return _STORES.get(module)
