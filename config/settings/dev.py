"""Local development and `make demo`: SQLite under var/, console e-mail, tasks in-process."""

from config.settings.base import *  # noqa: F403

DEBUG = bool_var("DJANGO_DEBUG", True)  # noqa: F405
