"""Training ficdex's own models (the literary entity tagger) from data read in place."""
