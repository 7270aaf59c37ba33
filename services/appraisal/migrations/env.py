import appraisal.models  # noqa: F401  (registers every table on the metadata)
from appraisal.db import Base
from shared.migrations import run_env

run_env(service_name="appraisal", target_metadata=Base.metadata)
