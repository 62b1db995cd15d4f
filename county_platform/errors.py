"""Domain errors: a stable code, a Chinese message and the HTTP status the API answers with."""

from typing import Any


class DomainError(Exception):
    """Raised by services when a rule refuses an operation; never a 500."""

    def __init__(self, code: str, detail: str, status: int = 422, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.extra = extra
