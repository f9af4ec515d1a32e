"""The money endpoints, one module each."""

from .arrears import ArrearsViewSet
from .bills import BillViewSet
from .budgets import BudgetViewSet
from .claims import ClaimViewSet
from .notifications import NotificationViewSet
from .payments import PaymentViewSet
from .rates import RateViewSet, ReliefViewSet

__all__ = [
    "ArrearsViewSet",
    "BillViewSet",
    "BudgetViewSet",
    "ClaimViewSet",
    "NotificationViewSet",
    "PaymentViewSet",
    "RateViewSet",
    "ReliefViewSet",
]
