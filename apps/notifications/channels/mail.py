"""E-mail, through Django's EMAIL_BACKEND, to the recipient's address when they have one."""

from django.core.mail import send_mail

from apps.notifications.channels.base import Delivered, Notice, absolute_link, skipped
from tenants.models import User


class EmailChannel:
    name = "email"

    def wanted(self, notice: Notice, *, recipient: User) -> bool:
        return notice.is_news and bool(recipient.email)

    def deliver(self, notice: Notice, *, source_key: str) -> Delivered:
        recipient = User.objects.get(pk=notice.recipient_id)
        if not recipient.email:
            return skipped("收件人没有电子邮箱")
        lines = [notice.body, absolute_link(notice.link)]
        send_mail(subject=notice.title, message="\n\n".join(line for line in lines if line),
                  from_email=None, recipient_list=[recipient.email], fail_silently=False)
        return Delivered(external_id=recipient.email)
