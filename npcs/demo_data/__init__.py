"""Deterministic SYNTHETIC demo landing zone for the warehouse.

``write_landing_zone(out, scale=1, seed=20241001)`` writes jurisdiction files in the canonical form
of the core data set, or in a member's own layout where one is in force (``ingestion/layouts``);
``calibration_figures(out, as_of)`` reads them back as ingestion does and recomputes the published
figures (the generator's own self-check).
"""

from .calibration import calibration_figures
from .generator import write_landing_zone

__all__ = ["calibration_figures", "write_landing_zone"]
