"""Seeded simulator of partner deliveries into the landing folder (see docs/feeds.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.generate import SimulationManifest, simulate

__all__ = ["SimulationManifest", "simulate"]


def __getattr__(name: str) -> Any:
    # Lazy re-export, so that `python -m simulator.generate` does not import the module twice.
    if name in __all__:
        from simulator import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
