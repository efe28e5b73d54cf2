#!/usr/bin/env bash
# The test suite: pytest, then lit + FileCheck.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest
.venv/bin/lit -s lit_tests
