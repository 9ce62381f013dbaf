"""Stages over a Story: entities, characters, quotes, relationships, content, tags."""

from .pipeline import INFERRED_KEYS, Analysis, Pipeline, analyze, default_pipeline, register

__all__ = ["INFERRED_KEYS", "Analysis", "Pipeline", "analyze", "default_pipeline", "register"]
