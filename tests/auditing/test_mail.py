"""Mail in development: a file per message under EMAIL_FILE_PATH and one log line each."""

from __future__ import annotations

import email
import logging

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_BACKEND = "apps.auditing.mail.DevMailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SITE_URL = "http://127.0.0.1:8311"
    return tmp_path / "mail"


def test_a_reset_mail_is_a_file_and_one_log_line_with_its_link(
    client, mail_dir, caplog, django_capture_on_commit_callbacks
):
    user = UserFactory(email="reader@example.com")
    caplog.set_level(logging.INFO, logger="apps.auditing.mail")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password-reset/", {"email": user.email})

    assert response.status_code == 200
    (path,) = mail_dir.iterdir()
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "The Shop: Reset your password"
    body = message.get_payload(decode=True).decode()
    (link,) = [w for w in body.split() if w.startswith("http://127.0.0.1:8311/")]
    assert link.startswith("http://127.0.0.1:8311/account/password-reset/")
    (record,) = [r for r in caplog.records if r.name == "apps.auditing.mail"]
    line = record.getMessage()
    assert "\n" not in line
    assert line.startswith(
        "mail to reader@example.com: 'The Shop: Reset your password'"
    )
    assert f"links: {link} " in line and str(path) in line


def test_each_message_is_its_own_file_and_html_links_count_once(mail_dir, caplog):
    caplog.set_level(logging.INFO, logger="apps.auditing.mail")
    first = EmailMultiAlternatives(
        "One", "see https://a.example/x", to=["a@example.com"]
    )
    first.attach_alternative('<a href="https://a.example/x">x</a>', "text/html")
    second = EmailMultiAlternatives("Two", "no links", to=["b@example.com"])

    assert get_connection().send_messages([first, second]) == 2

    assert len(list(mail_dir.iterdir())) == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "apps.auditing.mail"]
    assert len(lines) == 2
    assert " links: https://a.example/x (" in lines[0]
    assert "links" not in lines[1]
