"""The model report: one offline HTML page showing what the match model learnt and how it scores.

Built from a run's outputs (`ubr dedupe --out DIR`, or a registry run's model.json and store
tables), never from record values: m and u per comparison level, the match-weight
distribution, one pair's evidence as a waterfall, cluster sizes, blocking and the model's own
precision and recall estimate (docs/model-report.md). Plain Python: no Dagster, no faces.
"""
