"""One run: config -> plugins -> model and benchmarks -> predictions -> reviews -> reports.

- ``runner``: builds the run and drives it (``run_task``).
- ``scheduler``: one pool through which every sample of the run flows to the model and the scorers.
- ``resume``, ``review_reuse``: what a resumed run keeps from its folder.
- ``interrupt``: Ctrl-C stops after the batch in hand, twice aborts.
"""
