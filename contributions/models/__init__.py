"""The money side's models, one module per subject; imported here for Django and callers."""

from .bills import Bill, BillLine, BillPenalty, BillStatus
from .budgets import Budget
from .claims import Benefit, BenefitClaim, BenefitDefault
from .notifications import Channel, Delivery, Notification
from .payments import COUNTED_STATUSES, Payment, PaymentEvent, PaymentMethod, PaymentStatus
from .rates import Basis, Rate

__all__ = [
    "COUNTED_STATUSES",
    "Basis",
    "Benefit",
    "BenefitClaim",
    "BenefitDefault",
    "Bill",
    "BillLine",
    "BillPenalty",
    "BillStatus",
    "Budget",
    "Channel",
    "Delivery",
    "Notification",
    "Payment",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentStatus",
    "Rate",
]
