"""How booleans are spelled in source files.

A leaf module: the SQL expressions (``dialect_expressions``), the DDL typer, the Arrow
conversion and the binary COPY all read these two tuples, and none of them may import
another just for them (that would close an import cycle through ``dialects``).
"""

#: Staging keeps booleans as text; the transforms (built-in and generated) turn them into 1/0 or TRUE/FALSE.
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
