"""Outbox rows are defined by the outbox feature; see apps/outbox/services.py."""
