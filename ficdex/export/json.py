"""A work as one JSON document: the stored analysis, the tags by kind, the
reader's overrides and the text by chapter, so nothing the library knows
about the work is lost on the way out."""

from __future__ import annotations

import json

SCHEMA = "ficdex.export/1"


def work_json(work, sections) -> str:
    data = {
        "schema": SCHEMA,
        **{k: v for k, v in work.to_dict().items() if k != "analysis"},
        "analysis": work.analysis,
        "chapters": [{"title": s.title, "paragraphs": s.paragraphs} for s in sections],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
