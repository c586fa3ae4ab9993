"""What a run writes: the run folder (``outputs``), its JSONL lines and prediction store (``jsonl``), the
prediction cache keys (``cache_keys``) and the shapes of its lines (``records``)."""
