"""Attachments: content-addressed, type-sniffed, size-limited files per tenant."""
