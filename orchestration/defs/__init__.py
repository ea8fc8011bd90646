"""Dagster definitions by stage: ingestion, transformation, quality, reporting, jobs."""
