import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from app.common.schemas import Input, Output

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class VerifierCreate(Input):
    name: Name
    accreditation_body: Name | None = None


class VerifierUpdate(Input):
    name: Name | None = None
    accreditation_body: Name | None = None
    accredited: bool | None = None


class VerifierRead(Output):
    id: uuid.UUID
    name: str
    accreditation_body: str | None
    accredited: bool
    accredited_at: datetime | None
    created_at: datetime
