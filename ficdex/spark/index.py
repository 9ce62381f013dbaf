"""`ficdex spark index`: Spark results into the library, so a corpus analysed
on a cluster is searchable like one added with `ficdex library add`.

The results are read with pyarrow, not Spark: loading is bound by the
database, and the machine that can reach the database need not run Spark.
Rows go in `put_many` batches, one transaction each, so an interrupted load
keeps what it committed and a re-run skips it (the store leaves an existing
id untouched).
"""

from __future__ import annotations

import json
from collections import Counter

from ..errors import FicdexError, InputError, LibraryError


def _batches(output: str, size: int):
    try:
        import pyarrow.dataset as ds
    except ImportError as e:
        raise InputError("pyarrow is not installed: pip install 'ficdex[spark]'") from e
    try:
        data = ds.dataset(output.removeprefix("file:"), format="parquet")
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read the results: {e}", output) from e
    names = set(data.schema.names)
    if "document" not in names:
        raise InputError("not results of `ficdex spark analyze` (no document column)", output)
    columns = ["document"] + [c for c in ("story",) if c in names]
    yield from data.to_batches(columns=columns, batch_size=size)


def index_results(output: str, db: str, *, batch: int = 500) -> dict:
    """Put every analysed row of OUTPUT into the library at `db`.

    Returns counts: indexed (added or already there), skipped (error rows,
    which have no document), and the store's statuses."""
    from ..library.store import open_store

    statuses: Counter = Counter()
    skipped = 0
    store = open_store(db)
    try:
        for rb in _batches(output, batch):
            docs = rb.column("document").to_pylist()
            stories = rb.column("story").to_pylist() if "story" in rb.schema.names else [None] * len(docs)
            items = []
            for doc, story in zip(docs, stories):
                if doc is None:
                    skipped += 1
                    continue
                items.append((json.loads(doc), json.loads(story) if story else None))
            if items:
                try:
                    results = store.put_many(items)
                except FicdexError:
                    raise
                except Exception as e:  # a driver error names the batch's first work, for a retry
                    raise LibraryError(f"storing the batch starting at {items[0][0].get('id')} failed: {e}") from e
                statuses.update(r.status for r in results)
    finally:
        store.close()
    return {"indexed": sum(statuses.values()), "skipped": skipped, **statuses}
