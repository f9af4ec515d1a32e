"""The members' endpoints: /members/ (.members, its bodies .bodies) and its spreadsheets
(.spreadsheet)."""

from .members import MemberViewSet
from .spreadsheet import ImportJobViewSet

__all__ = ["ImportJobViewSet", "MemberViewSet"]
