"""Benchmarks: production settings served over plain HTTP on loopback."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The intake load test sends thousands of items from one address: lift the per-address and
# per-contact limits (an environment variable still wins).
os.environ.setdefault("FEEDBACK_RATE_PER_IP", "100000000/h")
os.environ.setdefault("FEEDBACK_RATE_PER_CONTACT", "100000000/h")

from .prod import *

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
# The benchmarks measure the app, not a mail relay: e-mails are built, queued and "sent"
# (accepted and discarded) by the same jobs as in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
