"""What readers get after the gates pass: the published warehouse (DuckDB and Parquet), its copy
in PostgreSQL (``publishing.postgres``), and each member's extract package."""
