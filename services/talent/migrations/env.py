import talent.analytics.models
import talent.conversations.models
import talent.edi.models
import talent.indicators.models
import talent.organisations.models
import talent.people.models
import talent.placements.models
import talent.pools.models
import talent.profiles.models
import talent.replay.models
import talent.reviews.models
import talent.succession.models  # noqa: F401  (registers the tables on the metadata)
from shared.migrations import run_env
from talent.db import Base

run_env(service_name="talent", target_metadata=Base.metadata)
