"""Reading a completions upload (NDJSON or CSV) into numbered rows, before validation.

Problems of the upload as a whole (media type, encoding, header, size) are errors of the
request; a line that cannot be read is a problem of that line only, and the others still count.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.http.problems import (
    BadRequest,
    FieldError,
    ProblemError,
    UnprocessableEntity,
    problem_type,
)

COLUMNS = frozenset({"person_id", "programme_code", "completed_at", "provider_id", "org_code"})
REQUIRED_COLUMNS = frozenset({"person_id", "programme_code", "completed_at"})


class UploadFormat(StrEnum):
    NDJSON = "application/x-ndjson"
    CSV = "text/csv"


_MEDIA_TYPES = {
    "application/x-ndjson": UploadFormat.NDJSON,
    "application/ndjson": UploadFormat.NDJSON,
    "application/jsonl": UploadFormat.NDJSON,
    "application/x-jsonlines": UploadFormat.NDJSON,
    "text/csv": UploadFormat.CSV,
}


@dataclass(frozen=True, slots=True)
class UploadRow:
    line: int
    values: dict[str, Any]
    unreadable: FieldError | None = None


def format_for(content_type: str | None) -> UploadFormat:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    upload_format = _MEDIA_TYPES.get(media_type)
    if upload_format is None:
        raise ProblemError(
            415,
            detail="Send completions as application/x-ndjson (one JSON object per line) or "
            "text/csv with a header row",
            type=problem_type("unsupported-media-type"),
            headers={"Accept-Post": "application/x-ndjson, text/csv"},
        )
    return upload_format


def too_large(detail: str) -> ProblemError:
    return ProblemError(413, detail=detail, type=problem_type("payload-too-large"))


def parse_upload(body: bytes, upload_format: UploadFormat, *, max_rows: int) -> list[UploadRow]:
    try:
        # utf-8-sig: spreadsheet exports start with a byte-order mark.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The upload is not UTF-8 text (byte {exc.start})") from None
    rows: list[UploadRow] = []
    for row in _ndjson(text) if upload_format is UploadFormat.NDJSON else _csv(text):
        if len(rows) == max_rows:
            raise too_large(f"An import takes at most {max_rows} rows; split the upload")
        rows.append(row)
    if not rows:
        raise UnprocessableEntity("The upload holds no data rows")
    return rows


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Blank means absent: an empty CSV cell and a missing JSON member behave the same."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
        if value is None:
            continue
        cleaned[name] = value
    return cleaned


def _unreadable(line: int, message: str, error_type: str) -> UploadRow:
    return UploadRow(line, {}, FieldError(path="line", message=message, type=error_type))


def _ndjson(text: str) -> Iterator[UploadRow]:
    # LF only: a JSON string may hold U+2028, which str.splitlines() would cut.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _unreadable(number, f"not valid JSON: {exc.msg}", "json_invalid")
            continue
        except (ValueError, RecursionError):
            yield _unreadable(number, "not valid JSON within this service's limits", "json_invalid")
            continue
        if not isinstance(value, dict):
            yield _unreadable(number, "must be a JSON object", "json_type")
            continue
        yield UploadRow(number, _cleaned(value))


def _column_name(header: str) -> str:
    # "Person ID" and "person_id" name the same column.
    return "_".join(re.sub(r"[^a-z0-9]+", " ", header.strip().lower()).split())


def _csv(text: str) -> Iterator[UploadRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = [_column_name(name) for name in header]
        _check_header(columns)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
                yield _unreadable(
                    reader.line_num,
                    f"has {len(cells)} values; the header has {len(columns)} columns",
                    "csv_extra_values",
                )
                continue
            yield UploadRow(reader.line_num, _cleaned(dict(zip(columns, cells, strict=False))))
    except csv.Error as exc:
        raise UnprocessableEntity(
            f"The CSV cannot be read at line {reader.line_num}: {exc}",
            errors=[
                FieldError(path=f"line.{reader.line_num}", message=str(exc), type="csv_invalid")
            ],
        ) from None


def _check_header(columns: list[str]) -> None:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            errors.append(
                FieldError(path=f"header.{column}", message="appears twice", type="duplicate")
            )
        seen.add(column)
        if column not in COLUMNS:
            errors.append(
                FieldError(
                    path=f"header.{column}", message="is not a known column", type="extra_forbidden"
                )
            )
    for missing in sorted(REQUIRED_COLUMNS - seen):
        errors.append(
            FieldError(path=f"header.{missing}", message="column is missing", type="missing")
        )
    if errors:
        raise UnprocessableEntity(
            "The CSV header row does not match the completion columns", errors=errors
        )
