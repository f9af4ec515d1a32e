"""``Idempotency-Key`` for POSTs that create money records.

The first successful answer to a key is stored with a fingerprint of the request; the same
key with the same request replays it (same status, same body), the same key with another
request is 409. The key is claimed first and the answer stored in the same transaction as
the record it describes, so a retry never finds one without the other; two requests racing
with one key meet at the key's unique constraint, and the second replays the first.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import ApplicationError, ConflictError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"


def fingerprint(request) -> str:
    """A digest of what the request asks for: path, fields and the content of any file (a
    DRF request's ``data``, or a form's fields and files)."""
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode())
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST.copy()
        data.update(request.FILES)
    fields = {}
    for name in sorted(data.keys()) if hasattr(data, "keys") else []:
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        fields[name] = [
            hashlib.sha256(_read(v)).hexdigest() if hasattr(v, "read") else v for v in values
        ]
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _read(upload) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


def _replay(status: int, body) -> Response:
    response = Response(body, status=status)
    response["Idempotent-Replayed"] = "true"
    return response


def _stored(user, key: str, request_hash: str) -> IdempotencyKey | None:
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None and stored.request_hash != request_hash:
        raise ConflictError(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        )
    return stored


def check_key(key: str) -> None:
    if len(key) > 255:
        raise ApplicationError(
            _("An Idempotency-Key is at most 255 characters."), code="invalid_idempotency_key"
        )


def run_once(*, user, key: str, path: str, request_hash: str, work):
    """Do ``work`` once per ``user`` and ``key``; the same key and request again answer as
    the first did, another request with the key is a 409.

    ``work()`` returns ``(status, body, result)``; the first successful ``status`` and
    ``body`` are stored with the record they describe. Returns ``(status, body, result,
    replayed)``, ``result`` being None on a replay.
    """
    check_key(key)
    stored = _stored(user, key, request_hash)
    if stored is not None:
        return stored.response_status, stored.response_body, None, True
    try:
        with transaction.atomic():
            # Claim the key before doing the work: a twin request sent at the same time
            # waits on the key's unique index until this one commits, then replays it
            # (rather than, say, finding the bill paid and answering 409).
            claim = IdempotencyKey.objects.create(
                user=user,
                key=key,
                path=path[:255],
                request_hash=request_hash,
                response_status=0,
                response_body={},
            )
            status, body, result = work()
            if 200 <= status < 300:
                claim.response_status = status
                claim.response_body = body
                claim.save(update_fields=["response_status", "response_body"])
            else:  # errors are not stored: the client may correct and retry
                claim.delete()
    except IntegrityError:
        # Another request with this key committed first: answer as it did.
        stored = _stored(user, key, request_hash)
        if stored is None:
            raise
        return stored.response_status, stored.response_body, None, True
    return status, body, result, False


def idempotent(view_method):
    """Make a DRF view method honour ``Idempotency-Key``."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view_method(self, request, *args, **kwargs)
        check_key(key)

        def work():
            response = view_method(self, request, *args, **kwargs)
            return response.status_code, response.data, response

        status, body, response, replayed = run_once(
            user=request.user,
            key=key,
            path=request.path,
            request_hash=fingerprint(request),
            work=work,
        )
        return _replay(status, body) if replayed else response

    return wrapper
