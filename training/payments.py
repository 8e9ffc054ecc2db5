"""Training seats sold through billing: what a paid, refunded or cancelled seat order does to the seat.

Billing (a lower layer) knows nothing of trainings; `TrainingConfig.ready()`
registers `SeatFulfilment` for order lines of kind `training_seat`, whose
`reference_id` is the enrollment's id. Each hook calls a training service.
"""

import logging

from fablab.billing.fulfilment import Fulfilment
from training.services import enrollment_mark_paid, enrollment_release_unpaid

logger = logging.getLogger(__name__)


class SeatFulfilment(Fulfilment):
    def fulfil(self, line, *, by=None):
        enrollment_mark_paid(enrollment_id=line.reference_id)

    def refunded(self, line, *, by=None):
        # Billing issues the credit note; whether the seat stays is the lab's call (enrollment_cancel).
        logger.info("Order line %s (enrollment %s) refunded %s cents", line.pk, line.reference_id, line.refunded_cents)

    def cancelled(self, line, *, by=None):
        enrollment_release_unpaid(enrollment_id=line.reference_id)
