"""The real-time API for ministry intake desks: `ubr serve` (docs/api.md).

A record in, the registry's candidates out, decided as the batch decides (the match state of
the last published run, held in memory); a record registered online joins the registry with
lineage and keeps its registry id in later batch runs. Each ministry sees what its
data-sharing agreement allows.
"""
