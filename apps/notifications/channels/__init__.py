"""The channels a notification goes out by, all behind one interface (`base.Channel`).

In-app is delivered with the "notify" message itself; each external channel gets an outbox
message of its own ("notify_channel"), so that one channel failing retries only that channel."""

from apps.notifications.channels.base import Channel, Delivered, Notice
from apps.notifications.channels.dingtalk import DingTalkMessageChannel, DingTalkTodoChannel
from apps.notifications.channels.inapp import InAppChannel
from apps.notifications.channels.mail import EmailChannel

IN_APP = InAppChannel()
EXTERNAL: dict[str, Channel] = {
    channel.name: channel
    for channel in (EmailChannel(), DingTalkMessageChannel(), DingTalkTodoChannel())
}

__all__ = ["EXTERNAL", "IN_APP", "Channel", "Delivered", "Notice"]
