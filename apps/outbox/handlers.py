"""The outbox's own handlers; other apps register theirs in their AppConfig.ready()."""

from typing import Any

from django.core.mail import send_mail

from apps.outbox.registry import outbox_handler


@outbox_handler("email")
def email_send(*, payload: dict[str, Any], idempotency_key: str) -> None:
    """Send `payload` = {subject, body, recipients: [address…]} through EMAIL_BACKEND."""
    send_mail(
        subject=payload["subject"],
        message=payload["body"],
        from_email=None,
        recipient_list=list(payload["recipients"]),
        fail_silently=False,
    )
