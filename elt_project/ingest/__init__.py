"""Reading sources: parsers (registry), allow-listed custom parsers, the configurable parser, remote sources."""
