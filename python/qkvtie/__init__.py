"""QKVTie: compile attention with tied projections and run it from Python."""

from .compiler import Library, compile_file, find_tool  # noqa: F401
