"""Ramiel's own safetensors writer and reader, and the `WeightStore` over them.

Files must round-trip through `write_safetensors`/`read_safetensors` bit for bit
and be readable by the reference `safetensors` library: with numpy for the
standard dtypes, with torch for bfloat16 (which Ramiel holds as raw uint16 bits).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from xdsl.dialects.builtin import (
    BFloat16Type,
    ComplexType,
    Float16Type,
    IntegerType,
    Signedness,
    f32,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute

from ramiel.weights import (
    WeightError,
    WeightStore,
    read_safetensors,
    storage_dtype,
    write_safetensors,
)

RNG = np.random.default_rng(0)


def safe_open(path: Path, framework: str) -> Any:
    """The reference reader, `safetensors.safe_open` (untyped, hence `Any`)."""
    module: Any = importlib.import_module("safetensors")
    return module.safe_open(path, framework=framework)


def bf16_bits(values: np.ndarray) -> np.ndarray:
    """The bfloat16 bits (as uint16) of float32 values that bfloat16 holds exactly."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32) >> 16
    return bits.astype(np.uint16)


BF16_VALUES = np.array([[1.5, -2.0, 0.15625], [2.0**34, -0.0, 7.0]], dtype=np.float32)

STANDARD: dict[str, tuple[Attribute, np.ndarray]] = {
    "f32": (f32, RNG.standard_normal((3, 4)).astype(np.float32)),
    "i64": (i64, np.arange(-5, 7, dtype=np.int64).reshape(2, 2, 3)),
    "bool": (i1, np.array([True, False, True, True])),
    "f64": (f64, RNG.standard_normal(5)),
    "f16": (Float16Type(), RNG.standard_normal(6).astype(np.float16)),
    "i32": (i32, np.array([1, -2, 3], dtype=np.int32)),
    "i8": (i8, np.array([-128, 0, 127], dtype=np.int8)),
    "u8": (IntegerType(8, Signedness.UNSIGNED), np.array([0, 255], dtype=np.uint8)),
}


def test_round_trip_standard_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    write_safetensors(path, STANDARD)
    loaded = read_safetensors(path)
    assert set(loaded) == set(STANDARD)
    for key, (_, array) in STANDARD.items():
        assert loaded[key].dtype == array.dtype, key
        assert loaded[key].shape == array.shape, key
        np.testing.assert_array_equal(loaded[key], array)


def test_standard_dtypes_readable_by_safetensors_numpy(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    write_safetensors(path, STANDARD)
    with safe_open(path, framework="numpy") as reader:
        assert set(reader.keys()) == set(STANDARD)
        for key, (_, array) in STANDARD.items():
            tensor = reader.get_tensor(key)
            assert tensor.dtype == array.dtype, key
            np.testing.assert_array_equal(tensor, array)


def test_bf16_round_trips_as_raw_bits(tmp_path: Path) -> None:
    path = tmp_path / "bf16.safetensors"
    bits = bf16_bits(BF16_VALUES)
    write_safetensors(
        path, {"w": (BFloat16Type(), bits), "n": (i64, np.array([1, 2], dtype=np.int64))}
    )
    loaded = read_safetensors(path)
    assert loaded["w"].dtype == np.uint16
    assert loaded["w"].shape == (2, 3)
    np.testing.assert_array_equal(loaded["w"], bits)
    assert storage_dtype(BFloat16Type()) == np.dtype(np.uint16)


def test_bf16_readable_by_safetensors_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "bf16.safetensors"
    write_safetensors(path, {"w": (BFloat16Type(), bf16_bits(BF16_VALUES))})
    with safe_open(path, framework="pt") as reader:
        tensor = reader.get_tensor("w")
    assert tensor.dtype == torch.bfloat16
    expected = torch.tensor(BF16_VALUES.tolist(), dtype=torch.bfloat16)
    assert torch.equal(tensor, expected)


def test_header_and_layout(tmp_path: Path) -> None:
    import json
    import struct

    path = tmp_path / "w.safetensors"
    write_safetensors(path, {"a": (f32, np.ones(3, np.float32)), "b": (i64, np.zeros(2, np.int64))})
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    assert size % 8 == 0, "the header is padded to 8 bytes"
    header = json.loads(raw[8 : 8 + size])
    assert header["a"] == {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}
    assert header["b"] == {"dtype": "I64", "shape": [2], "data_offsets": [12, 28]}
    assert len(raw) == 8 + size + 28


def test_non_contiguous_arrays_are_written_in_c_order(tmp_path: Path) -> None:
    path = tmp_path / "t.safetensors"
    array = np.arange(12, dtype=np.float32).reshape(3, 4).T
    assert not array.flags.c_contiguous
    write_safetensors(path, {"t": (f32, array)})
    np.testing.assert_array_equal(read_safetensors(path)["t"], array)


def test_scalar_keeps_its_shape(tmp_path: Path) -> None:
    path = tmp_path / "s.safetensors"
    write_safetensors(path, {"s": (f32, np.array(3.0, dtype=np.float32))})
    assert read_safetensors(path)["s"].shape == ()


def test_zero_element_tensor_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "e.safetensors"
    write_safetensors(path, {"e": (i64, np.zeros((0, 3), dtype=np.int64))})
    with safe_open(path, framework="numpy") as reader:
        assert reader.get_tensor("e").shape == (0, 3)
    assert read_safetensors(path)["e"].shape == (0, 3)


def test_empty_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.safetensors"
    write_safetensors(path, {})
    assert read_safetensors(path) == {}
    with safe_open(path, framework="numpy") as reader:
        assert list(reader.keys()) == []


def test_unsupported_element_type_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WeightError, match=r"weight 'c': element type .* cannot be stored"):
        write_safetensors(
            tmp_path / "c.safetensors", {"c": (ComplexType(f32), np.zeros(2, np.complex64))}
        )
    with pytest.raises(WeightError, match="cannot be stored"):
        storage_dtype(ComplexType(f32))


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x05\x00")
    with pytest.raises(WeightError, match="cannot read weights file"):
        read_safetensors(path)
    with pytest.raises(WeightError, match="cannot read weights file"):
        read_safetensors(tmp_path / "missing.safetensors")


def test_weight_store_loads_lazily_and_saves(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    write_safetensors(path, STANDARD)
    store = WeightStore.from_file(path)
    assert store.source == path
    np.testing.assert_array_equal(store["i64"], STANDARD["i64"][1])
    assert "f32" in store and "nope" not in store
    with pytest.raises(WeightError, match=r"weight 'nope' not found in '.*w\.safetensors'"):
        store["nope"]
    store.add("extra", np.full(4, 2.5, dtype=np.float32))
    out = tmp_path / "out.safetensors"
    store.save(out, [("extra", f32), ("bool", i1)])
    loaded = read_safetensors(out)
    assert set(loaded) == {"extra", "bool"}
    np.testing.assert_array_equal(loaded["extra"], np.full(4, 2.5, dtype=np.float32))
    np.testing.assert_array_equal(loaded["bool"], STANDARD["bool"][1])
