"""Build `examples/inception_block.onnx`: a small GoogLeNet-style network with four-branch blocks.

    python examples/make_example.py

The model is built with `onnx.helper` from seeded random weights, so the file is
reproducible and needs no download.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUTPUT = Path(__file__).resolve().parent / "inception_block.onnx"


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def conv_relu(self, name: str, x: str, cin: int, cout: int, kernel: int) -> str:
        weight = self.rng.normal(
            0, (2 / (cin * kernel * kernel)) ** 0.5, (cout, cin, kernel, kernel)
        )
        bias = self.rng.normal(0, 0.01, cout)
        self.initializers += [
            numpy_helper.from_array(weight.astype(np.float32), f"{name}.weight"),
            numpy_helper.from_array(bias.astype(np.float32), f"{name}.bias"),
        ]
        pad = kernel // 2
        self.nodes.append(
            helper.make_node(
                "Conv",
                [x, f"{name}.weight", f"{name}.bias"],
                [f"{name}.conv"],
                name=name,
                kernel_shape=[kernel, kernel],
                pads=[pad] * 4,
            )
        )
        self.nodes.append(
            helper.make_node("Relu", [f"{name}.conv"], [f"{name}.out"], name=f"{name}.relu")
        )
        return f"{name}.out"

    def inception(self, name: str, x: str, cin: int, width: int) -> tuple[str, int]:
        b1 = self.conv_relu(f"{name}.b1", x, cin, width, 1)
        b2 = self.conv_relu(
            f"{name}.b2", self.conv_relu(f"{name}.b2r", x, cin, width // 2, 1), width // 2, width, 3
        )
        b3 = self.conv_relu(
            f"{name}.b3",
            self.conv_relu(f"{name}.b3r", x, cin, width // 4, 1),
            width // 4,
            width // 2,
            5,
        )
        self.nodes.append(
            helper.make_node(
                "MaxPool",
                [x],
                [f"{name}.pool"],
                name=f"{name}.pool",
                kernel_shape=[3, 3],
                pads=[1] * 4,
            )
        )
        b4 = self.conv_relu(f"{name}.b4", f"{name}.pool", cin, width // 2, 1)
        self.nodes.append(
            helper.make_node(
                "Concat", [b1, b2, b3, b4], [f"{name}.out"], name=f"{name}.concat", axis=1
            )
        )
        return f"{name}.out", width + width + width // 2 + width // 2


def build() -> onnx.ModelProto:
    b = _Builder(seed=0)
    x = b.conv_relu("stem", "input", 3, 32, 3)
    channels = 32
    for index in range(3):
        x, channels = b.inception(f"block{index}", x, channels, 32)
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    b.nodes.append(helper.make_node("Flatten", ["gap"], ["features"], name="flatten"))
    fc = b.rng.normal(0, 0.05, (channels, 10)).astype(np.float32)
    b.initializers.append(numpy_helper.from_array(fc, "fc.weight"))
    b.nodes.append(helper.make_node("MatMul", ["features", "fc.weight"], ["logits"], name="fc"))
    b.nodes.append(
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1)
    )
    graph = helper.make_graph(
        b.nodes,
        "inception_block",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        b.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="ramiel-example"
    )
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


if __name__ == "__main__":
    onnx.save(build(), OUTPUT)
    print(f"wrote {OUTPUT}")
