"""The one exception the pipeline raises on bad input."""
from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """Raised when a raw or derived file is missing, malformed or inconsistent.

    The message always names the file and says what is wrong with it, so a user
    who swapped, truncated or edited an input sees at once which one.
    """

    def __init__(self, path: str | Path | None, problem: str):
        self.path = Path(path) if path is not None else None
        self.problem = problem
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{problem}")
