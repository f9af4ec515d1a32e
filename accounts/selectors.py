"""Reads of users."""

from django.db.models import QuerySet

from jamsostek.core.scoping import scope_queryset

from .models import User


def users_for(user) -> QuerySet[User]:
    """Users whose scope lies inside ``user``'s, with their scope region joined."""
    return scope_queryset(User.objects.select_related("scope"), user)
