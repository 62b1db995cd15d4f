"""Preset risk rules (预置规则): the registry, the engine and one module per area."""
