"""ficdex: read fan fiction as people have it, tag it the way AO3 does."""

__version__ = "0.1.0"
