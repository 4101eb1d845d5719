"""Constrained input fields shared by the API's requests: checked at the door, named in errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]  # a platform's own id, or ours
Tier = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Skill = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Stars = Annotated[int, msgspec.Meta(ge=1, le=5)]
At = Annotated[datetime, msgspec.Meta(tz=True)]
Percent = Annotated[float, msgspec.Meta(ge=0.0, le=100.0)]
