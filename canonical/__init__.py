"""The shared core below every UBR package: the canonical record schema (fields, dtypes,
privacy classes, size limits), the quarantine table's columns, where the configuration
lives, and the YAML loader whose errors name file and key. It imports no other UBR package;
sources, expectations, matching and registry all build on it.
"""
