import secrets
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from apps.accounts import services
from apps.accounts.models import User
from apps.auditing.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Create the local staff superuser once and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--email", default="admin@shop.local")
        # Unless given: the back office under SITE_URL (derived from SHOP_PORT, see settings).
        parser.add_argument("--url", default=None)

    def handle(self, *args, email, url, **options):
        url = url or settings.SITE_URL.rstrip("/") + reverse("admin:index")
        secret_file = Path(settings.BASE_DIR) / ".local" / "staff-password"
        user = User.objects.filter(email__iexact=email).first()
        if user is None or not secret_file.exists():
            password = secrets.token_urlsafe(12)
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(password)
            secret_file.chmod(0o600)
            if user is None:
                user = services.user_create(
                    email=email,
                    password=password,
                    full_name="Shop Admin",
                    is_staff=True,
                    is_superuser=True,
                )
            else:
                services.password_set(user=user, password=password)
        password = secret_file.read_text().strip()
        self.stdout.write(f"Staff login: {url}  email: {email}  password: {password}")
