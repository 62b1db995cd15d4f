"""Local development: debug on, everything else as in production."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403
