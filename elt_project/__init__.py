"""Metadata-driven ELT and analytics platform."""
