"""Analytics logic of the hub, free of Streamlit so Dagster, the CLI and tests call it directly.

- :mod:`health`: the Home page's KPIs and pipeline health;
- :mod:`schema_context`: what an NL→SQL engine may know about the warehouse;
- :mod:`sql_safety`: the AST allow-list every query passes;
- :mod:`readonly`: running a checked query on a read-only connection;
- :mod:`nl2sql`: plain-English questions to SQL, offline or with an LLM;
- :mod:`steward`: safe, audited edits of allow-listed tables.
"""
