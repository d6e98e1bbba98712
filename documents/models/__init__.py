"""Models of documents: versions (``versions``) and the structured plan (``plan``)."""

from importlib.util import find_spec

from documents.models.versions import *  # noqa: F403

if find_spec("documents.models.plan") is not None:
    from documents.models.plan import *  # noqa: F403
