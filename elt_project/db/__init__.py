"""Warehouse access: engine, schema, migrations, per-dialect operations."""
