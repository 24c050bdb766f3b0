"""Thin Celery tasks: ids in, call a service. Names route `marketing.campaign_*` to the
campaigns queue and the other `marketing.*` scans to the scans queue."""

from celery import shared_task


@shared_task(name="marketing.campaign_send_batch", ignore_result=True)
def campaign_send_batch(campaign_id: int) -> int:
    from marketing.services.campaigns import campaign_batch_send

    return campaign_batch_send(campaign_id=campaign_id).processed


@shared_task(name="marketing.campaigns_start_due", ignore_result=True)
def campaigns_start_due() -> int:
    from marketing.services.campaigns import campaigns_start_due as start

    return start()


@shared_task(name="marketing.abandonment_scan", ignore_result=True)
def abandonment_scan() -> int:
    from marketing.services.abandonment import abandonment_scan as scan

    return scan().sent


@shared_task(name="marketing.behaviour_scan", ignore_result=True)
def behaviour_scan() -> int:
    from marketing.services.behaviour import behaviour_scan as scan

    return scan().sent


@shared_task(name="marketing.journey_scan", ignore_result=True)
def journey_scan() -> int:
    from marketing.services.journeys import journey_scan as scan

    return scan()


@shared_task(name="marketing.attribution_sync", ignore_result=True)
def attribution_sync() -> int:
    from marketing.services.attribution import attribution_sync as sync

    return sync()
