"""What a run writes: the run folder and its prediction store (``outputs``), and the shapes of its lines
(``records``)."""
