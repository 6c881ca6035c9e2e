"""Staff accounts that resist attack: lockout per account and per address, a second factor
whenever it is required, a Content-Security-Policy, and production settings that pass
`check --deploy` with HSTS preload only on request."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import make_user

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/admin/login/?next=/admin/"


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def reaches_admin(client):
    return client.get(reverse("admin:index")).status_code == 200


def test_ten_wrong_passwords_then_the_right_one_does_not_sign_in(client, db):
    make_user("alice", is_superuser=True)
    for _ in range(10):
        sign_in(client, "alice", "wrong")
    response = sign_in(client, "alice", "pw")
    assert response.status_code == 429
    assert not reaches_admin(client)


def test_the_lockout_holds_for_the_account_from_another_address(client, db):
    make_user("alice", is_superuser=True)
    for _ in range(5):
        sign_in(client, "alice", "wrong", REMOTE_ADDR="10.0.0.1")
    sign_in(client, "alice", "pw", REMOTE_ADDR="10.0.0.2")
    assert not reaches_admin(client)


def test_the_lockout_holds_for_the_address_with_another_account(client, db):
    make_user("bob", is_superuser=True)
    for number in range(5):
        client.post(LOGIN, {"username": f"guess{number}", "password": "x"})
    sign_in(client, "bob", "pw")
    assert not reaches_admin(client)


def test_a_few_mistakes_do_not_lock_the_account(client, db):
    make_user("alice", is_superuser=True)
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    sign_in(client, "alice", "pw")
    assert reaches_admin(client)


@pytest.fixture
def two_factor(settings):
    settings.REQUIRE_2FA = True


def test_with_2fa_required_a_password_alone_does_not_reach_the_admin(client, db, two_factor):
    user = make_user("alice", is_superuser=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = sign_in(client, "alice", "pw")
    assert response.status_code == 200  # the form again, asking for the code
    assert not reaches_admin(client)


def test_with_2fa_required_a_password_only_session_counts_as_signed_out(client, db, two_factor):
    client.force_login(make_user("alice", is_superuser=True))
    assert not reaches_admin(client)
    response = client.get(reverse("legislation:country_history", args=["fr"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_with_2fa_required_the_authenticator_code_signs_in(client, db, two_factor):
    user = make_user("alice", is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    sign_in(client, "alice", "pw", otp_token=f"{code:0{device.digits}d}")
    assert reaches_admin(client)


def test_the_device_command_prints_an_authenticator_address(db):
    make_user("alice")
    out = io.StringIO()
    call_command("add_totp_device", "alice", stdout=out)
    assert "otpauth://totp/" in out.getvalue()
    assert TOTPDevice.objects.filter(user__username="alice", confirmed=True).count() == 1


def test_an_editor_cannot_read_the_lockout_records(client, db):
    client.force_login(make_user("eve", groups=["Editors"]))
    assert client.get("/admin/axes/accessattempt/").status_code == 403


@pytest.mark.usefixtures("reference_data")
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy


def production_env(**extra):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_URL", "SQLITE"))
    }
    env.update(
        DJANGO_SECRET_KEY="p" * 20 + "-production-like-secret-key-with-enough-length-0123456789",
        DJANGO_ALLOWED_HOSTS="gaps.example.org",
        **extra,
    )
    return env


def run_django(code, env):
    return subprocess.run(  # noqa: S603 (our interpreter, our code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_check_deploy_reports_nothing_with_production_values():
    # Every tag, not only security: the API schema's warnings (drf_spectacular.W001) count too.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stderr and "W0" not in done.stderr


def test_production_requires_2fa_and_preloads_hsts_only_when_asked():
    show = "from django.conf import settings as s; print(s.REQUIRE_2FA, s.SECURE_HSTS_PRELOAD)"
    assert run_django(show, production_env()) == "True False"
    assert run_django(show, production_env(DJANGO_SECURE_HSTS_PRELOAD="true")) == "True True"
