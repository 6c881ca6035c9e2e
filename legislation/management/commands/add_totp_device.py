from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Give a staff account an authenticator (TOTP) device and print the otpauth:// address "
        "to add to an authenticator app. Staff sign-in needs it whenever 2FA is required."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="authenticator", help="What the device is called in the admin."
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named “{options['username']}”.")
        device = TOTPDevice.objects.create(user=user, name=options["name"][:64], confirmed=True)
        self.stdout.write(
            f"Device {device.pk} for {user.username}. Add this address to the authenticator "
            f"app (or type its secret), then sign in with the 6-digit code:\n{device.config_url}"
        )
