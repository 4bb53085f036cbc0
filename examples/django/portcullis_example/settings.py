"""Minimal settings for a Django backend behind Portcullis (Django 3.2+; no database).

The backend must listen where only Portcullis can reach it, e.g.
``gunicorn --bind 127.0.0.1:8000 portcullis_example.wsgi``: the identity headers are only
trustworthy because no client can talk to the backend directly.
"""
import os

# Set DJANGO_SECRET_KEY in production; this example signs nothing (no sessions, no CSRF forms).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-example-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# Portcullis forwards the client's Host header; list the names clients use to reach the proxy.
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portcullis_example.identity.PortcullisIdentityMiddleware",
]
ROOT_URLCONF = "portcullis_example.urls"
WSGI_APPLICATION = "portcullis_example.wsgi.application"
DATABASES = {}
USE_TZ = True

# Portcullis terminates TLS and always sets X-Forwarded-Proto: https (a client-sent one is removed).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Portcullis sets X-Forwarded-Host from the client's Host (a client-sent one is removed).
USE_X_FORWARDED_HOST = True

# Names Portcullis uses (identity.headers in portcullis.yaml), as WSGI spells them.
PORTCULLIS_IDENTITY_HEADERS = {
    "verify": "HTTP_X_CLIENT_VERIFY",
    "subject": "HTTP_X_CLIENT_DN",
    "issuer": "HTTP_X_CLIENT_ISSUER_DN",
    "fingerprint": "HTTP_X_CLIENT_FINGERPRINT",
    "serial": "HTTP_X_CLIENT_SERIAL",
    "san": "HTTP_X_CLIENT_SAN",
    "not_after": "HTTP_X_CLIENT_NOT_AFTER",
}
# True (default): only X-Client-Verify: SUCCESS is let through (client_auth: require).
# False: NONE (no certificate, client_auth: optional) reaches views with verified == False.
PORTCULLIS_REQUIRE_CERTIFICATE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
