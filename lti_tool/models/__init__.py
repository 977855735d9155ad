"""SQLAlchemy models, named after the LTI spec and the assessment domain."""
from .lti import Platform, Deployment, ToolKey, LaunchState, Context, User, ResourceLink
from .assessments import BankItem, BankMedia, Assignment
from .attempts import Attempt, AttemptItem, ResponseStep, Accommodation, AccommodationChange
from .grades import GradeSync
from .admin import AdminUser, RegistrationInvite
from .adaptive import ItemCalibration

__all__ = [
    "Platform", "Deployment", "ToolKey", "LaunchState", "Context", "User", "ResourceLink",
    "BankItem", "BankMedia", "Assignment", "Attempt", "AttemptItem", "ResponseStep", "Accommodation",
    "AccommodationChange", "GradeSync", "AdminUser", "RegistrationInvite", "ItemCalibration",
]
