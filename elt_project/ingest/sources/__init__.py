"""Remote sources: data that is fetched (SFTP, HTTP/API, a browser) instead of dropped in a folder.

A source reads its import's ``scraper_config``, fetches, and writes what it got as
ordinary local files (the downloaded file itself, or the extracted table as JSON
records) into a per-run work folder. Each file is then parsed by the parser
registry and staged by the same engine as a dropped file: one load path, one
ledger, one set of quality rules. Sources know nothing of Dagster or the warehouse;
the engine's glue is :mod:`elt_project.pipeline.remote`.

Kinds (one module each): ``generic_sftp_downloader`` (:mod:`.sftp`),
``generic_web_scraper`` (:mod:`.web`), ``generic_selenium_scraper`` and
``download_file_with_selenium`` (:mod:`.selenium_scraper`).
"""
