"""Organized Crime Index profile pages -> validated records -> a DuckDB warehouse."""

__version__ = "0.4.0"
