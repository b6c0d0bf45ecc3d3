"""Errors the legal core raises. Each names the rule it enforces and the rule's source."""

from __future__ import annotations


class LiuhenError(Exception):
    """Base of every error a user can cause; its message is shown to the user as is."""


class RuleViolation(LiuhenError):
    """A step refused because a rule of the catalogue forbids it (HTTP 409, CLI exit 2)."""

    def __init__(self, rule_id: str, source: str, message: str) -> None:
        self.rule_id = rule_id
        self.source = source
        self.message = message
        super().__init__(f"{rule_id} {source}: {message}")

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule_id, "source": self.source, "message": self.message, "detail": str(self)}


class StageError(LiuhenError):
    """A step that does not exist from the case's current stage (HTTP 409)."""


class CalendarYearUnknown(LiuhenError):
    """rule T5: the holiday table does not know this year; never guess weekdays-only."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"T5: 节假日表中没有 {year} 年的官方安排，无法计算期限；请先导入国务院公布的 {year} 年节假日安排"
        )


class InvalidInput(LiuhenError):
    """Input that cannot be accepted as given (HTTP 422, CLI exit 2)."""


class Forbidden(LiuhenError):
    """The actor's role or unit does not allow this (HTTP 403)."""


class NotFound(LiuhenError):
    """No such record, or none the actor may see (HTTP 404)."""


class Gone(LiuhenError):
    """What was asked for was destroyed on purpose, by an approved disposal (HTTP 410, CLI exit 2)."""


class Unavailable(LiuhenError):
    """The system cannot do this now, through no fault of the input (HTTP 503 with Retry-After, CLI exit 2)."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        self.retry_after = retry_after
        super().__init__(message)
