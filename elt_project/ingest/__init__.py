"""Reading sources: parsers (registry), allow-listed custom parsers, the configurable parser, remote sources.

Entry points other packages call:
- :func:`elt_project.ingest.reader.read_batches` and :func:`elt_project.ingest.schema_sample.sample_schema`
- :func:`elt_project.ingest.paths.list_matching_files` and :func:`~elt_project.ingest.paths.resolve_source_file`
- :func:`elt_project.ingest.identity.file_identity`
- :func:`elt_project.ingest.registry.is_known_source` (config validation)
"""
