"""Validated models of configs and rules, and reading/writing them in the warehouse."""
