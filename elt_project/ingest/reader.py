"""Reading one source file as a stream of Arrow record batches (contract; parsers fill it in).

``read_batches(path, *, file_type, parser_function=None, options=None, batch_rows=65_536)``
    -> Iterator[pyarrow.RecordBatch]

- Delimited types (csv, psv, tsv, txt): every column is a string column named as
  the file's header (BOM removed, names stripped); empty fields are nulls. Typing
  is the warehouse's job (it casts on load), so leading zeros and odd dates survive.
- excel, json, parquet: native Arrow types.
- ``options`` is the import's ``scraper_config`` dict (``read_options``,
  ``pre_processing`` for the configurable parser; ``read_options.encoding`` or
  ``read_options.sheet_name`` for the built-in types).
- Errors are :class:`elt_project.errors.SourceFileError` with one sentence saying
  what to do (e.g. the line number and a hint to set the encoding).
"""
