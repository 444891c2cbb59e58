"""Schema bases shared by every feature."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class Input(BaseModel):
    """A request body: unknown fields are refused, so nothing server-owned can be smuggled in."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text; refuse it here rather than fail on write.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)
