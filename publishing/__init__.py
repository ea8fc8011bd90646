"""What readers get: the published warehouse, Parquet, PostgreSQL, extracts."""
