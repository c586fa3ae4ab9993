"""What is read back from a run: reports and the summary table (``report``), a run folder read back into plain data
(``reader``), two runs compared (``compare``) and what produced a report (``provenance``)."""
