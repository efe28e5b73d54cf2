"""Print what a .safetensors file holds, one tensor per line, read with the
reference `safetensors` reader:

    KEY DTYPE SHAPE sum=S first=A last=B
"""

from __future__ import annotations

import sys

from safetensors.numpy import load_file


def main() -> None:
    tensors = load_file(sys.argv[1])
    for key in sorted(tensors):
        array = tensors[key]
        flat = array.reshape(-1)
        print(
            f"{key} {array.dtype} {list(array.shape)} sum={float(flat.sum()):g} "
            f"first={float(flat[0]):g} last={float(flat[-1]):g}"
        )


if __name__ == "__main__":
    main()
