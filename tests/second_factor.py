"""The second factor in tests: codes computed as an authenticator app computes them."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key


def totp_code(key_hex: str, *, steps_ahead: int = 0) -> str:
    """The six digits an app shows for this secret now (or that many 30 s steps later)."""
    device = TOTPDevice(key=key_hex)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def staff_device(user) -> TOTPDevice:
    """The staff member's confirmed authenticator (made directly: a test's given)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, key=default_key(), name="test app", confirmed=True
        )
    return device


def session_verify(client, user) -> None:
    """Mark a test client's session as past the second factor, as a sign-in would."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff_device(user).persistent_id
    session.save()
