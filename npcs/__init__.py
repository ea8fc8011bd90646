"""npcs: the command line of the NPCS data warehouse (``npcs --help``)."""
