import ned.boards.models  # noqa: F401  (registers the tables on the metadata)
from ned.db import Base
from shared.migrations import run_env

run_env(service_name="ned", target_metadata=Base.metadata)
