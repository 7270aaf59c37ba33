"""The service's scopes as route dependencies (ARCHITECTURE §4)."""

from typing import Annotated

from fastapi import Depends

from shared.http.auth import Principal, require_scopes

StandardsReader = Annotated[Principal, Depends(require_scopes("standards:read"))]
# Reporting completions: HR and learning systems of the employing organisations.
StandardsWriter = Annotated[Principal, Depends(require_scopes("standards:write"))]
# Curating the catalogue and accrediting providers: the national standards team.
StandardsAdmin = Annotated[Principal, Depends(require_scopes("standards:admin"))]
