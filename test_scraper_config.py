"""Try a scraper config locally: ``python test_scraper_config.py CONFIG.json [--scraper_type web]``.

The same as ``elt scraper test``; see elt_project/cli/scraper_commands.py.
"""

from elt_project.cli.scraper_commands import standalone

if __name__ == "__main__":
    standalone()
