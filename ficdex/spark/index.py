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
    columns += [c for c in names if c.startswith("declared_")]
    yield from data.to_batches(columns=columns, batch_size=size)


def with_table_metadata(doc: dict, row: dict) -> dict:
    """The document as the library should hold it when the input table had
    metadata columns (`declared_rating`, `declared_title`, …): an archive
    export's tags are what the author declared, so they fill the document's
    `declared` (and a missing title, summary or author), never `inferred`.
    What the file itself declared wins; the Parquet keeps both apart."""
    from dataclasses import asdict, fields

    from ..model import Declared

    table = {k.removeprefix("declared_"): v for k, v in row.items()
             if k.startswith("declared_") and v not in (None, [], "")}
    if not table:
        return doc
    empty = Declared()
    declared = dict(doc.get("declared") or {})
    for f in fields(Declared):
        value = table.get(f.name)
        if value is None or declared.get(f.name) or f.name == "extra":
            continue
        if f.name == "words":
            declared[f.name] = int(value)
        elif isinstance(getattr(empty, f.name), list):
            declared[f.name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        else:
            declared[f.name] = str(value)
    doc = {**doc, "declared": {**asdict(empty), **declared} if declared else None}
    for key in ("title", "summary"):
        if not doc.get(key) and isinstance(table.get(key), str):
            doc[key] = table[key]
    if not doc.get("authors"):
        authors = table.get("authors", table.get("author"))
        if authors:
            doc["authors"] = [str(a) for a in authors] if isinstance(authors, (list, tuple)) else [str(authors)]
    return doc


def index_results(output: str, db: str, *, batch: int = 500, table_metadata: bool = True) -> dict:
    """Put every analysed row of OUTPUT into the library at `db`.

    Returns counts: indexed (added or already there), skipped (error rows,
    which have no document), and the store's statuses."""
    from ..library.store import open_store

    statuses: Counter = Counter()
    skipped = 0
    store = open_store(db)
    try:
        for rb in _batches(output, batch):
            items = []
            for row in rb.to_pylist():
                if row["document"] is None:
                    skipped += 1
                    continue
                doc = json.loads(row["document"])
                if table_metadata:
                    doc = with_table_metadata(doc, row)
                story = row.get("story")
                items.append((doc, json.loads(story) if story else None))
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
