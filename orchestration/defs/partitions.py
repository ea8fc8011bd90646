"""Jurisdictions as Dagster partitions: one dynamic partition per member in the registry.

The registry (``dbt_project/seeds/jurisdictions.csv``) is the source of truth; the partitions
follow it. A jurisdiction added to the registry becomes a partition the next time the landing-zone
sensor ticks or ``npcs refresh`` runs. Partitions are never deleted: a member that leaves keeps
its history in the UI.
"""

import dagster as dg

JURISDICTION_PARTITIONS = "jurisdiction"

jurisdiction_partitions = dg.DynamicPartitionsDefinition(name=JURISDICTION_PARTITIONS)


def registry_jurisdictions() -> list[str]:
    """Every jurisdiction in the registry, in registry order."""
    from ingestion.reference import jurisdictions

    return list(jurisdictions())


def missing_partitions(instance: dg.DagsterInstance) -> list[str]:
    """Registry jurisdictions that are not yet partitions of the instance."""
    have = set(instance.get_dynamic_partitions(JURISDICTION_PARTITIONS))
    return [j for j in registry_jurisdictions() if j not in have]


def sync_partitions(instance: dg.DagsterInstance) -> list[str]:
    """Add the registry's new jurisdictions as partitions; returns every partition key."""
    new = missing_partitions(instance)
    if new:
        instance.add_dynamic_partitions(JURISDICTION_PARTITIONS, new)
    return list(instance.get_dynamic_partitions(JURISDICTION_PARTITIONS))
