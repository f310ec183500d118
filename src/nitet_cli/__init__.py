"""nitet: a supervisor's work manual, visit log and Thai progress reports over one SQLite file."""

__version__ = "0.1.0"
