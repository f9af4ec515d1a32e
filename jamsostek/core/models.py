"""Models every app shares."""

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to a POST carrying ``Idempotency-Key``, replayed for a retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
