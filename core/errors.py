"""One application error type; the API handler turns it into a 400 naming what is wrong."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetail:
    """Where and what: `file:line field: message`."""

    message: str
    field: str | None = None
    line: int | None = None
    file: str | None = None
    code: str = "invalid"

    def as_dict(self) -> dict:
        out: dict = {"message": self.message, "code": self.code}
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.field is not None:
            out["field"] = self.field
        return out

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where += self.file
        if self.line is not None:
            where += f":{self.line}" if where else f"line {self.line}"
        if self.field is not None:
            where += f" {self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message


@dataclass
class DomainError(Exception):
    """A business rule said no. Carries one or more details."""

    message: str
    field: str | None = None
    line: int | None = None
    file: str | None = None
    code: str = "invalid"
    details: list[ErrorDetail] = dataclasses.field(default_factory=list)
    status: int = 400

    def __post_init__(self) -> None:
        super().__init__(self.message)
        if not self.details:
            self.details = [ErrorDetail(self.message, self.field, self.line, self.file, self.code)]

    @classmethod
    def many(cls, details: list[ErrorDetail], message: str | None = None) -> DomainError:
        summary = message or (
            str(details[0]) if len(details) == 1 else f"{len(details)} errors; first: {details[0]}"
        )
        return cls(summary, details=list(details), code=details[0].code if details else "invalid")

    def as_dict(self) -> dict:
        return {"detail": self.message, "errors": [d.as_dict() for d in self.details]}

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """The same answer for missing and forbidden."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code="not_found", status=404)


class Forbidden(DomainError):
    """The caller is known and may see the object, but this action is not theirs to take."""

    def __init__(self, message: str, **kwargs) -> None:
        super().__init__(message, code=kwargs.pop("code", "forbidden"), status=403, **kwargs)


class Conflict(DomainError):
    def __init__(self, message: str, **kwargs) -> None:
        super().__init__(message, code=kwargs.pop("code", "conflict"), status=409, **kwargs)
