"""What readers get after the gates pass: the published tables, served from DuckDB, Parquet and
PostgreSQL (``publishing.postgres``)."""
