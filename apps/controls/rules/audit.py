"""Audit rules (审计留痕): the chain and its published heads."""
