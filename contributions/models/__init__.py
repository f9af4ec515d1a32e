"""The money side's models, one module per subject; imported here for Django and callers."""

from .bills import (
    Bill,
    BillAdjustment,
    BillEvent,
    BillLine,
    BillPenalty,
    BillStatus,
    Price,
)
from .budgets import Budget
from .claims import Benefit, BenefitClaim, BenefitDefault
from .notifications import Channel, Delivery, Notification
from .payments import COUNTED_STATUSES, Payment, PaymentEvent, PaymentMethod, PaymentStatus
from .rates import Basis, OccupationSector, Rate, Relief, RuleChange

__all__ = [
    "COUNTED_STATUSES",
    "Basis",
    "Benefit",
    "BenefitClaim",
    "BenefitDefault",
    "Bill",
    "BillAdjustment",
    "BillEvent",
    "BillLine",
    "BillPenalty",
    "BillStatus",
    "Budget",
    "Channel",
    "Delivery",
    "Notification",
    "OccupationSector",
    "Payment",
    "PaymentEvent",
    "PaymentMethod",
    "PaymentStatus",
    "Price",
    "Rate",
    "Relief",
    "RuleChange",
]
