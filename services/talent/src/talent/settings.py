from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "talent"

    # An ESR staff extract for the largest trusts is a few tens of thousands of rows; the caps
    # keep one import inside one reasonable transaction and one request's memory.
    people_import_max_rows: int = Field(default=50_000, ge=1)
    people_import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
