"""What a validated launch resolved to: the user, course, link and assignment it opens."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import Assignment, Context, ResourceLink, User


@dataclass
class LaunchContext:
    user: User
    context: Context
    resource_link: ResourceLink
    assignment: Assignment
    is_staff: bool
    is_preview: bool
    due_at: datetime | None = None  # this student's due date, where the platform sends it
    new_user: bool = False  # first launch of this user: no attempts or accommodations to look up
