"""The scheduled refresh of the oversight figures (a Kubernetes CronJob runs
``python -m talent.analytics.refresh``, e.g. every 15 minutes; each run replaces the summary in
one transaction, so readers see the old figures or the new ones, never a mix)."""

import asyncio
import logging

from shared.db import Database
from talent.analytics import service as analytics_service
from talent.settings import Settings

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    db = Database(settings.database_url, pool_size=1)
    try:
        async with db.session() as session, session.begin():
            return await analytics_service.refresh_summary(session)
    finally:
        await db.dispose()


if __name__ == "__main__":
    cells = asyncio.run(run(Settings()))
    log.info("oversight figures refreshed", extra={"cells": cells})
