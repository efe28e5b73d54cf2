"""Lowerings of the rnn operators."""

from __future__ import annotations
