"""Public-schema county process templates (copied into every tenant)."""
