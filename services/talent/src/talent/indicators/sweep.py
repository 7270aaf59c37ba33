"""The quarterly indicator sweep, as a scheduled job (a Kubernetes CronJob runs
``python -m talent.indicators.sweep`` on the first day of each quarter; rerunning is harmless).
"""

import asyncio
import logging
from datetime import UTC, datetime

from shared.db import Database
from talent.indicators import service as indicator_service
from talent.settings import Settings

log = logging.getLogger(__name__)


async def run(settings: Settings) -> list[str]:
    db = Database(settings.database_url, pool_size=2)
    try:
        return await indicator_service.sweep(
            db=db, service_name=settings.service_name, today=datetime.now(UTC).date()
        )
    finally:
        await db.dispose()


if __name__ == "__main__":
    published = asyncio.run(run(Settings()))
    log.info("indicators published", extra={"organisations": len(published)})
