"""/notifications/: the caller's own reminders in the app; read marks; sync by updated_since."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..models import Channel, Notification


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
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

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

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user, channel=Channel.IN_APP)

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark as read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            # Only if still unread: a request marking it meanwhile keeps its time.
            now = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=now, updated_at=now
            )
            notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)
