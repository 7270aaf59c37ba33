import ned.appointments.models
import ned.boards.models
import ned.candidates.models
import ned.vacancies.models  # noqa: F401  (registers the tables on the metadata)
from ned.db import Base
from shared.migrations import run_env

run_env(service_name="ned", target_metadata=Base.metadata)
