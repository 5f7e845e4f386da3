"""Mail in development: one file per message under EMAIL_FILE_PATH and one log line.

The log line names the recipients, the subject and the links of the message, so following a
verification or reset link needs no mail server and the processes' output stays readable.
"""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django.utils.text import slugify

log = logging.getLogger(__name__)
_LINK = re.compile(r"https?://[^\s<>\"')]+")


def mail_links(message) -> list[str]:
    """The links of a message's text, in order, each once."""
    bodies = [message.body] + [
        content
        for content, mimetype in getattr(message, "alternatives", [])
        if isinstance(content, str)
    ]
    return list(dict.fromkeys(link for body in bodies for link in _LINK.findall(body)))


class DevMailBackend(BaseEmailBackend):
    """Write each message to `<EMAIL_FILE_PATH>/<time>-<subject>.eml` and log one line."""

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{slugify(message.subject)[:50] or 'mail'}-{uuid.uuid4().hex[:6]}.eml"
            path = self.directory / name
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            links = mail_links(message)
            log.info(
                "mail to %s: %r%s (%s)",
                ", ".join(message.recipients()),
                message.subject,
                " links: " + " ".join(links) if links else "",
                path,
            )
            sent += 1
        return sent
