"""Analytics logic of the hub, free of Streamlit so Dagster, the CLI and tests call it directly.

- :mod:`health`: the Home page's KPIs and pipeline health;
- :mod:`schema_context`: what an NL→SQL engine may know about the warehouse;
- :mod:`sql_safety`: the AST allow-list every query passes;
- :mod:`readonly`: running a checked query on a read-only connection;
- :mod:`nl2sql`: plain-English questions to SQL, offline or with an LLM;
- :mod:`steward`: safe, audited edits of allow-listed tables;
- :mod:`tables`, :mod:`forecasting`, :mod:`models`, :mod:`predictive`, :mod:`alerts`: daily series,
  the model registry, the batch run behind ``run_predictive_analytics`` and its webhook alerts;
- :mod:`model_pool`, :mod:`model_worker`: the batch's fits on worker processes;
- :mod:`insights`: stored predictions read back per series;
- :mod:`root_cause`: "why did it change";
- :mod:`profile`, :mod:`dashboard`, :mod:`charts`: auto-dashboards and Plotly figures;
- :mod:`story`: a written story of a table's last period;
- :mod:`llm_refine`: a configured language model arranging dashboards and rewording stories, checked.
"""
