"""Fixtures and builders the library tests share (no tests here).

Every library test runs against SQLite and, when FICDEX_TEST_POSTGRES names a
server (`.ci/postgres.sh` starts one), against PostgreSQL in a schema of its
own that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

from ficdex.library import open_store

PG_ENV = "FICDEX_TEST_POSTGRES"
BACKENDS = ["sqlite", "postgres"]


def _pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is unset: source .ci/postgres.sh to run the library tests on PostgreSQL")
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty library: a SQLite path or a PostgreSQL URL bound to a new schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "library.db")
        return
    import psycopg

    url = _pg_url()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def no_stages(monkeypatch):
    """Analysis with no stages: the library tests need a document, not the
    models other parts of ficdex train (and they stay fast)."""
    import ficdex.analysis.pipeline as pipeline

    monkeypatch.setattr(pipeline, "_DEFAULT", pipeline.Pipeline([]))


def doc(work_id: str, title: str, text: str, *, declared: dict | None = None, inferred: dict | None = None,
        authors=("anon",), words: int | None = None, summary: str | None = None, version: str = "0.1.0") -> dict:
    """An analysis document as `ficdex.api.to_json` makes one, with hand-written tags."""
    from ficdex.analysis.pipeline import INFERRED_KEYS
    from ficdex.model import count_words

    inf = dict.fromkeys(INFERRED_KEYS)
    inf.update(inferred or {})
    return {
        "schema": "ficdex.analysis/1", "ficdex_version": version, "id": work_id, "title": title,
        "authors": list(authors), "summary": summary, "source": {"path": f"{work_id}.txt", "format": "text"},
        "words": words if words is not None else count_words(text), "declared": declared,
        "front_matter": [], "back_matter": [], "chapters": [], "inferred": inf, "text": text,
    }


PG_SKIP_REASON = f"{PG_ENV} is unset"
