"""/notifications/: the caller's own reminders in the app; read marks; sync by updated_since."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jamsostek.core.filters import UpdatedSinceFilter

from .. import selectors
from ..models import Notification
from ..permissions import CONTRIBUTIONS
from ..services.notifications import notification_mark_read


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "key",
            "subject",
            "body",
            "data",
            "read",
            "read_at",
            "created_at",
            "updated_at",
        ]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    kind = django_filters.CharFilter()
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind", "updated_since"]


@extend_schema_view(
    list=extend_schema(summary="Your reminders (arrears, digests, terms ending)"),
    retrieve=extend_schema(summary="One of your reminders"),
)
class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Everyone sees only their own: another user's notification does not exist (404)."""

    permits = CONTRIBUTIONS.resource("notification")
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark as read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)
