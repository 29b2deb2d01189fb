"""YAML -> validated, typed config (filled in by the config work)."""
