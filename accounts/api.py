"""Auth and users: JWT login (throttled on failures), /auth/me/, /users/."""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy, gettext_noop
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.serializers import (
    TokenRefreshSerializer as BaseTokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from jamsostek.core.cache import fail_open_cache
from jamsostek.core.choices import Role
from jamsostek.core.permissions import Permitted

from .models import User
from .permissions import ACCOUNTS
from .selectors import users_for
from .services import user_create, user_update

# --- login ----------------------------------------------------------------------------


class LoginFailureThrottle(SimpleRateThrottle):
    """Counts failed logins per client address and username; past the rate, 429.

    Successful logins are not counted, so a user who types the password right is never
    throttled by the attempts of others on other accounts. The count lives in the shared
    cache (every worker process sees it); while that does not answer, in this process's own
    (jamsostek/core/cache.py), so that a Redis outage never makes logins fail.
    """

    scope = "login_failures"
    cache = fail_open_cache

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username", "")).strip().lower()
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{username}",
        }

    def throttle_success(self):
        return True

    def record_failure(self) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


@extend_schema(
    summary="Log in: username and password for a JWT pair",
    examples=[
        OpenApiExample(
            "login", value={"username": "op_kwayangan", "password": "…"}, request_only=True
        )
    ],
)
class TokenObtainView(TokenObtainPairView):
    permission_classes = [Permitted]  # simplejwt's views have none
    permits = ACCOUNTS.resource("token-obtain")
    # Wrong credentials are 401; repeated failures for one username from one address, 429.
    schema_error_statuses = ("401", "429")
    schema_no_409 = True

    def check_throttles(self, request):
        self.failure_throttle = LoginFailureThrottle()
        if not self.failure_throttle.allow_request(request, self):
            self.throttled(request, self.failure_throttle.wait())

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            self.failure_throttle.record_failure()
            raise


class TokenRefreshSerializer(BaseTokenRefreshSerializer):
    """A refresh token traded for a new access token and a new refresh token; the refresh
    token sent is used up (a second use is 401)."""

    # simplejwt rotates and blacklists (settings.SIMPLE_JWT); this closes two gaps. Two
    # requests with one refresh token at the same moment: its row is locked, so the second
    # finds it blacklisted. A refresh token of a user whose password changed since (by any
    # path) or who no longer exists is refused like their access tokens (401
    # `password_changed`, `user_not_found`), not traded for new tokens (or a 500).

    def validate(self, attrs):
        token = self.token_class(attrs["refresh"])  # signature, expiry, type, blacklist
        with transaction.atomic():
            list(
                OutstandingToken.objects.select_for_update(of=("self",)).filter(
                    jti=token[jwt_settings.JTI_CLAIM]
                )
            )
            user = User.objects.filter(
                **{jwt_settings.USER_ID_FIELD: token.get(jwt_settings.USER_ID_CLAIM)}
            ).first()
            if user is None:
                raise AuthenticationFailed(gettext_lazy("User not found"), code="user_not_found")
            if jwt_settings.CHECK_REVOKE_TOKEN and token.get(
                jwt_settings.REVOKE_TOKEN_CLAIM
            ) != get_md5_hash_password(user.password):
                raise AuthenticationFailed(
                    gettext_lazy("The user's password has been changed."), code="password_changed"
                )
            return super().validate(attrs)  # checked again under the lock, then rotated


class TokenRefreshView(BaseTokenRefreshView):
    # An expired, forged, used or revoked refresh token is 401 (`token_not_valid`,
    # `password_changed`, `no_active_account`, `user_not_found`).
    permission_classes = [Permitted]
    permits = ACCOUNTS.resource("token-refresh")
    serializer_class = TokenRefreshSerializer
    schema_error_statuses = ("401",)
    schema_no_409 = True


# --- me -------------------------------------------------------------------------------


class ScopeSerializer(serializers.Serializer):
    level = serializers.CharField(
        help_text="`nation`, `province`, `regency`, `district` or `village`"
    )
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()


def scope_of(user: User) -> dict:
    if user.scope is None:
        return {"level": "nation", "code": None, "name": "Indonesia"}
    return {"level": user.scope.level, "code": user.scope.code, "name": user.scope.name}


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    scope = serializers.SerializerMethodField()
    email = serializers.CharField(help_text="an e-mail address, or empty")
    phone = serializers.CharField()

    def get_scope(self, user) -> ScopeSerializer:
        return scope_of(user)


class MeView(APIView):
    permits = ACCOUNTS.resource("me")

    @extend_schema(responses=MeSerializer, summary="Who am I: role and scope")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


# --- users ----------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer):
    scope_code = serializers.CharField(
        allow_null=True,
        required=False,
        allow_blank=True,
        help_text="Kemendagri code of the region the role covers; empty for an admin.",
    )
    scope = serializers.SerializerMethodField()
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, trim_whitespace=False
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "full_name",
            "role",
            "scope_code",
            "scope",
            "email",
            "phone",
            "is_active",
            "date_joined",
            "last_login",
        ]
        read_only_fields = ["id", "is_active", "date_joined", "last_login"]

    def get_scope(self, user) -> ScopeSerializer:
        return scope_of(user)

    def to_representation(self, user):
        data = super().to_representation(user)
        data["scope_code"] = user.scope.code if user.scope else None
        return data


class UserUpdateSerializer(UserSerializer):
    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )

    class Meta(UserSerializer.Meta):
        read_only_fields = ["id", "username", "date_joined", "last_login"]


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    scope = django_filters.CharFilter(
        method="filter_scope", label="region code: users whose scope is it or lies below it"
    )
    search = django_filters.CharFilter(method="filter_search", label="username, name or e-mail")

    class Meta:
        model = User
        fields = ["role", "is_active"]

    def filter_scope(self, queryset, name, value):
        return queryset.filter(Q(scope__code=value) | Q(scope__code__startswith=f"{value}."))

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(full_name__icontains=value) | Q(email__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(summary="Users inside your scope"),
    create=extend_schema(
        summary="Create a user",
        examples=[
            OpenApiExample(
                "village operator",
                request_only=True,
                value={
                    "username": "op_kwayangan",
                    "password": "Rahasia-Desa-2025",
                    "full_name": "Slamet Riyadi",
                    "role": Role.VILLAGE_OPERATOR.value,
                    "scope_code": "33.26.13.2008",
                    "email": "sekdes@kwayangan.desa.id",
                    "phone": "081234567890",
                },
            )
        ],
    ),
    partial_update=extend_schema(summary="Edit a user"),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Admins and pmd_auditors read the users of their scope; who may change whom is
    rules.py's (admins manage everyone, a pmd_auditor the village operators and district
    viewers of its regency)."""

    permits = ACCOUNTS.resource("user")
    serializer_class = UserSerializer
    filterset_class = UserFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return users_for(self.request.user)

    def get_serializer_class(self):
        return UserUpdateSerializer if self.action == "partial_update" else UserSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_create(actor=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update(actor=request.user, user=user, **serializer.validated_data)
        return Response(UserSerializer(user).data)


# Messages of simplejwt that /auth/token/ shows, kept in our catalogue so that they read
# well in Indonesian (simplejwt's own id_ID catalogue is incomplete).
THIRD_PARTY_MESSAGES = [
    gettext_noop("No active account found with the given credentials"),
    gettext_noop("No active account found for the given token."),
    gettext_noop("Token is invalid or expired"),
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("Token is blacklisted"),
    gettext_noop("Token has wrong type"),
    gettext_noop("Given token not valid for any token type"),
    gettext_noop("Token contained no recognizable user identification"),
    gettext_noop("User not found"),
    gettext_noop("User is inactive"),
    gettext_noop("The user's password has been changed."),
    gettext_noop("Authorization header must contain two space-delimited values"),
]
