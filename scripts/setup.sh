#!/usr/bin/env bash
# Create .venv and install Ramiel with its test and dev tools; install upstream mlir-opt 19.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
# The pinned torch resolves to the local CPU wheel; an unpinned one pulls GBs of CUDA packages.
.venv/bin/pip install --quiet "torch==2.13.0"
.venv/bin/pip install --quiet -e ".[test,dev]"
if ! command -v mlir-opt >/dev/null && [ ! -x /usr/lib/llvm-19/bin/mlir-opt ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if $sudo apt-get update -qq && $sudo apt-get install -y -qq mlir-19-tools >/dev/null; then
    echo "installed mlir-19-tools"
  else
    echo "warning: could not install mlir-19-tools; MLIR bridge tests will be skipped" >&2
  fi
fi
# Ramiel's kernel library, compiled for this machine (otherwise on first use); without a
# C++ compiler the compiler keeps those convolutions on oneDNN.
.venv/bin/python -m ramiel.kernels || echo "warning: no kernel library; depthwise convolutions stay on oneDNN" >&2
