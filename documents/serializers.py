"""Serializers of the documents API: output (read-only) and input (parse only)."""

from __future__ import annotations

from rest_framework import serializers

from config.api import OutputSerializer, ReasonField
from documents.models import Document, DocumentVersion, GenerationJob


class DocumentSerializer(OutputSerializer):
    class Meta:
        model = Document
        fields = ["id", "process", "kind", "title", "working_group", "created_at"]
        read_only_fields = fields


class VersionSerializer(OutputSerializer):
    """A version's record; ``sha256`` is the checksum of its bytes (re-checked on download)."""

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "document",
            "number",
            "status",
            "original_filename",
            "sha256",
            "size",
            "content_type",
            "author",
            "change_summary",
            "provenance",
            "generated_from_template",
            "created_at",
            "submitted_at",
            "approved_at",
            "approved_by_decision",
            "returned_at",
            "returned_by_decision",
            "returned_reason",
            "published_at",
            "superseded_at",
            "superseded_by",
        ]
        read_only_fields = fields


class GenerationJobSerializer(OutputSerializer):
    """A generation request and its progress; ``result_version`` once it is done."""

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "process",
            "kind",
            "template",
            "state",
            "percent",
            "message",
            "requested_at",
            "started_at",
            "finished_at",
            "result_version",
        ]
        read_only_fields = fields


class VersionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    change_summary = serializers.CharField(required=False, allow_blank=True, default="")
    reason = ReasonField()


class ReasonSerializer(serializers.Serializer):
    reason = ReasonField()


class DocumentFilterSerializer(serializers.Serializer):
    process = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    kind = serializers.ChoiceField(choices=Document.Kind.choices, required=False)
