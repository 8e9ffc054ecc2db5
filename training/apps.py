from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Trainings and workshops")

    def ready(self):
        from bookings.calendar import register_lab_event_source
        from fablab.core.periodic import register_job
        from training import invalidation  # noqa: F401 (connects the signal receivers)
        from training.calendar import sessions_as_lab_events

        register_lab_event_source(sessions_as_lab_events)
        from training.services import enrollment_offers_expire, sessions_cancel_under_minimum

        register_job("training.expire_seat_offers", lambda: f"{enrollment_offers_expire()} offer(s) expired")
        register_job(
            "training.cancel_sessions_under_minimum",
            lambda: f"{len(sessions_cancel_under_minimum())} session(s) cancelled",
        )
        from training.reminders import enrollments_send_reminders

        register_job("training.send_reminders", lambda: f"{enrollments_send_reminders()} reminder(s) sent")
        from training.lapse import qualifications_expiry_remind, qualifications_lapse

        register_job("training.qualifications_lapse", lambda: str(qualifications_lapse()))
        register_job(
            "training.qualifications_expiring",
            lambda: f"{qualifications_expiry_remind()} expiry reminder(s) sent",
        )
        from fablab.billing import fulfilment
        from fablab.billing.models import ProductKind
        from training.payments import SeatFulfilment

        fulfilment.register(ProductKind.TRAINING_SEAT, SeatFulfilment())
