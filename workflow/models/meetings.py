"""Meetings with agendas and attendance, and the resolutions of council bodies."""

__all__: list[str] = []
