"""Deterministic SYNTHETIC demo landing zone for the warehouse.

``write_landing_zone(out, scale=1, seed=20241001)`` writes jurisdiction files in the canonical form
of the core data set; ``calibration_figures(out, as_of)`` recomputes the published figures from
them (the generator's own self-check).
"""

from .calibration import calibration_figures
from .generator import write_landing_zone

__all__ = ["calibration_figures", "write_landing_zone"]
