"""Settings shared by every environment; what differs comes from environment variables."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.env import (
    BASE_DIR,
    bool_var,
    broker_url,
    database_config,
    env,
    int_var,
    list_var,
)

VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="insecure-development-key-do-not-use-in-production-komplan"
)
DEBUG = bool_var("DJANGO_DEBUG", False)
ALLOWED_HOSTS = list_var("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = list_var("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "audit",
    "stakeholders",
    "documents",
    "workflow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.CzechFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.PublicPageCacheMiddleware",  # must follow the CSRF middleware
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config("DATABASE_URL", f"sqlite:///{VAR_DIR / 'komplan.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# The public is anonymous and reads published material through selectors; it holds no object
# permissions, so guardian needs no stand-in anonymous user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "cs"
LANGUAGES = [("cs", _("Czech")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Prague"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://komplan")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one Redis client, not one per call
# The longest a rendered anonymous public page stays cached (workflow.public_cache); pages are
# invalidated on every change anyway, so this only bounds memory and stale templates after a
# deploy. 0 turns the cache of public pages off.
KOMPLAN_PUBLIC_CACHE_SECONDS = 600

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="KomPlan <komplan@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Celery: with no broker, tasks run in-process (eagerly) so that the embedded setup needs no
# services; with one, a real worker runs them.
CELERY_BROKER_URL = broker_url("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = (
    env.str(
        "CELERY_RESULT_BACKEND",
        default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Task modules outside <app>/tasks.py that the worker must load.
CELERY_IMPORTS = ["workflow.tasks_gdpr"]
CELERY_BEAT_SCHEDULE = {
    "memberships-sync-permissions": {
        "task": "stakeholders.tasks.memberships_sync_due_permissions",
        "schedule": int_var("KOMPLAN_MEMBERSHIP_SYNC_SECONDS", 3600),
    },
    "stage-deadlines-notify": {
        "task": "workflow.tasks.stage_deadlines_notify",
        "schedule": int_var("KOMPLAN_DEADLINE_CHECK_SECONDS", 3600),
    },
    "decisions-close-due": {
        "task": "workflow.tasks.decisions_close_due",
        "schedule": int_var("KOMPLAN_DECISION_CLOSE_SECONDS", 300),
    },
    "consultation-reminders": {
        "task": "workflow.tasks_consultation.consultation_reminders_send",
        "schedule": int_var("KOMPLAN_CONSULTATION_REMINDER_SECONDS", 3600),
    },
    "consultation-digest": {
        "task": "workflow.tasks_consultation.consultation_digest_send",
        "schedule": int_var("KOMPLAN_CONSULTATION_DIGEST_SECONDS", 3600),
    },
    "consultation-phase-events": {
        "task": "workflow.tasks_consultation.consultation_phase_events_record",
        "schedule": int_var("KOMPLAN_CONSULTATION_REMINDER_SECONDS", 3600),
    },
    "meetings-warn-uninvited": {
        "task": "workflow.tasks_meetings.meetings_warn_uninvited",
        "schedule": int_var("KOMPLAN_INVITATION_CHECK_SECONDS", 3600),
    },
    "resolution-points-remind": {
        "task": "workflow.tasks_meetings.resolution_points_remind",
        "schedule": int_var("KOMPLAN_RESOLUTION_REMINDER_SECONDS", 86400),
    },
    "gdpr-retention-pseudonymise": {
        "task": "workflow.tasks_gdpr.retention_pseudonymise_due",
        "schedule": 86400,  # daily; the task only tidies and is idempotent
    },
}

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Domain settings
KOMPLAN_SITE_NAME = env.str("KOMPLAN_SITE_NAME", default="KomPlan")
# The largest upload accepted (bytes); checked before a file is stored.
KOMPLAN_UPLOAD_MAX_BYTES = int_var("KOMPLAN_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)

# Public consultation (workflow.services.consultation)
KOMPLAN_CONSULTATION_MIN_DAYS = int_var("KOMPLAN_CONSULTATION_MIN_DAYS", 30)
KOMPLAN_CONSULTATION_REMINDER_DAYS = int_var("KOMPLAN_CONSULTATION_REMINDER_DAYS", 7)
KOMPLAN_COMMENT_RATE_LIMIT = int_var("KOMPLAN_COMMENT_RATE_LIMIT", 5)
KOMPLAN_COMMENT_RATE_WINDOW_SECONDS = int_var("KOMPLAN_COMMENT_RATE_WINDOW_SECONDS", 3600)
# How many reverse proxies in front of the site append to X-Forwarded-For (0: use REMOTE_ADDR).
KOMPLAN_PROXY_COUNT = int_var("KOMPLAN_PROXY_COUNT", 0)
# Origins allowed to frame the embeddable public page (CSP frame-ancestors of that view only).
KOMPLAN_PUBLIC_EMBED_ORIGINS = list_var("KOMPLAN_PUBLIC_EMBED_ORIGINS", ["*"])

# REST API (config.api): token for systems, session (with CSRF) for the browser; problem+json.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: an unauthenticated request then gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Each API view sets config.api.ApiAutoSchema (which adds the problem+json responses).
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KomPlan API",
    "DESCRIPTION": (
        "Planning processes, bodies, documents, decisions, consultations, meetings and "
        "resolutions of community planning of social services. Authenticate with "
        "`Authorization: Token <key>` (a per-user token) or the browser session (with CSRF). "
        "Errors are RFC 9457 `application/problem+json` with a stable `code`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TerritoryKindEnum": "stakeholders.models.Territory.Kind",
        "OrganizationKindEnum": "stakeholders.models.Organization.Kind",
        "BodyKindEnum": "stakeholders.models.Body.Kind",
        "ProcessBodyKindEnum": "workflow.api.serializers.PROCESS_BODY_KINDS",
        "DocumentKindEnum": "documents.models.Document.Kind",
        "GeneratedKindEnum": "documents.models.plan.DocumentKind",
        "VersionStatusEnum": "documents.models.DocumentVersion.Status",
        "GenerationStateEnum": "documents.models.GenerationJob.State",
        "StageEnum": "workflow.models.Stage",
        "DecisionStatusEnum": "workflow.models.Decision.Status",
        "ConsultationStatusEnum": "workflow.models.ConsultationPeriod.Status",
        "MeetingKindEnum": "workflow.models.Meeting.Kind",
        "MeetingStateEnum": "workflow.models.Meeting.State",
        "AttendanceStatusEnum": "workflow.models.Attendance.Status",
        "PointStatusEnum": "workflow.models.ResolutionPoint.Status",
        "ActivityStatusEnum": "documents.models.plan.Activity.Status",
        "PipelineStatusEnum": "documents.models.plan.ProjectPipelineItem.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema_postprocess",
    ],
    # Swagger UI from a pinned CDN release; config.api.SwaggerView widens the CSP for it.
    "SWAGGER_UI_DIST": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14",
    "SWAGGER_UI_FAVICON_HREF": (
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14/favicon-32x32.png"
    ),
}
