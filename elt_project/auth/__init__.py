"""Who a person is and what they may do: one module for the Data Importer page, the hub and the CLI.

- :mod:`roles`: the ladder ``user < analyst < steward < admin``;
- :mod:`accounts`: ``elt_users`` rows, password hashes, authentication;
- :mod:`permissions`: which pipeline groups a person may see and run;
- :mod:`throttle`: slowing down repeated failed logins.

Nothing here imports Flask or Streamlit.
"""
