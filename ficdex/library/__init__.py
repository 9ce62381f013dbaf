"""The library: analysed works stored for AO3-style filtering and search.

See docs/library.md.  `open_store(db)` gives a `Store` for a SQLite path
(the default) or a PostgreSQL URL.
"""

from .query import SearchQuery
from .store import Hit, PutResult, SearchResult, Store, Work, default_db, open_store

__all__ = ["Hit", "PutResult", "SearchQuery", "SearchResult", "Store", "Work", "default_db", "open_store"]
