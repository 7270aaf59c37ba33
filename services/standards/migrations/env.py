# Imported for their side effect: each registers its tables on the service's metadata.
import standards.compliance.models
import standards.eligibility.models
import standards.frameworks.models
import standards.learning.models
import standards.people.models
import standards.programmes.models
import standards.providers.models  # noqa: F401
from shared.migrations import run_env
from standards.db import Base

run_env(service_name="standards", target_metadata=Base.metadata)
