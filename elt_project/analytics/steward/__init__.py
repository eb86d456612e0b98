"""The Data Steward: safe, audited edits of allow-listed warehouse tables.

- :mod:`.allowlist`: which tables admins opened for editing (``elt steward allow``);
- :mod:`.changes`: a change set and the checking of its values against column types;
- :mod:`.save`: applying a change set in one transaction (staging table, one upsert,
  deletions, audit rows) with the optimistic check;
- :mod:`.audit`: the history of a row.
"""
