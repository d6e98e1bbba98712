"""Public consultation: consultation periods, comments and their settlement."""

__all__: list[str] = []
