"""Reading a staff extract upload (NDJSON or CSV) into numbered records, before validation.

Problems with the upload as a whole (wrong media type, not UTF-8, a bad CSV header, too many
rows) are errors of the request; a line that cannot be read is a problem of that row only, and
the rest of the upload still counts.
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
from talent.people.schemas import REQUIRED_ROW_FIELDS, ROW_FIELDS


class ExtractFormat(StrEnum):
    NDJSON = "application/x-ndjson"
    CSV = "text/csv"


# What clients send for the same two formats.
_MEDIA_TYPES = {
    "application/x-ndjson": ExtractFormat.NDJSON,
    "application/ndjson": ExtractFormat.NDJSON,
    "application/jsonl": ExtractFormat.NDJSON,
    "application/x-jsonlines": ExtractFormat.NDJSON,
    "text/csv": ExtractFormat.CSV,
}


@dataclass(frozen=True, slots=True)
class ExtractRecord:
    """One data row: its line in the upload and its values, or why it could not be read."""

    line: int
    values: dict[str, Any]
    unreadable: FieldError | None = None


def format_for(content_type: str | None) -> ExtractFormat:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    extract_format = _MEDIA_TYPES.get(media_type)
    if extract_format is None:
        raise ProblemError(
            415,
            detail="Send the extract as application/x-ndjson (one JSON object per line) "
            "or text/csv with a header row",
            type=problem_type("unsupported-media-type"),
            headers={"Accept-Post": "application/x-ndjson, text/csv"},
        )
    return extract_format


def too_large(detail: str) -> ProblemError:
    return ProblemError(413, detail=detail, type=problem_type("payload-too-large"))


def parse_extract(
    body: bytes, extract_format: ExtractFormat, *, max_rows: int
) -> list[ExtractRecord]:
    try:
        # utf-8-sig: spreadsheet tools put a byte-order mark in front of CSV exports.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The extract is not UTF-8 text (byte {exc.start})") from None
    rows = _ndjson(text) if extract_format is ExtractFormat.NDJSON else _csv(text)
    records: list[ExtractRecord] = []
    for record in rows:
        if len(records) == max_rows:
            raise too_large(f"An import takes at most {max_rows} rows; split the extract")
        records.append(record)
    if not records:
        raise UnprocessableEntity("The extract holds no data rows")
    return records


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Blank means absent, so an empty CSV cell and a missing JSON member behave the same."""
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


def _unreadable(line: int, message: str, error_type: str) -> ExtractRecord:
    return ExtractRecord(line, {}, FieldError(path="line", message=message, type=error_type))


def _ndjson(text: str) -> Iterator[ExtractRecord]:
    # Split on LF only: a JSON string may legally hold U+2028, which splitlines() would cut.
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
            # Python's own limits on JSON it accepts: a number of thousands of digits, or
            # nesting deeper than the interpreter's stack.
            yield _unreadable(number, "not valid JSON within this service's limits", "json_invalid")
            continue
        if not isinstance(value, dict):
            yield _unreadable(number, "must be a JSON object", "json_type")
            continue
        yield ExtractRecord(number, _cleaned(value))


def _column_name(header: str) -> str:
    # "Person ID" and "person_id" name the same column.
    return "_".join(re.sub(r"[^a-z0-9]+", " ", header.strip().lower()).split())


def _csv(text: str) -> Iterator[ExtractRecord]:
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
            # Trailing empty cells (a stray comma at the end) are harmless; real values are not.
            if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
                yield _unreadable(
                    reader.line_num,
                    f"has {len(cells)} values; the header has {len(columns)} columns",
                    "csv_extra_values",
                )
                continue
            yield ExtractRecord(reader.line_num, _cleaned(dict(zip(columns, cells, strict=False))))
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
        if column not in ROW_FIELDS:
            errors.append(
                FieldError(
                    path=f"header.{column}", message="is not a known column", type="extra_forbidden"
                )
            )
    for missing in sorted(REQUIRED_ROW_FIELDS - seen):
        errors.append(
            FieldError(path=f"header.{missing}", message="column is missing", type="missing")
        )
    if errors:
        raise UnprocessableEntity(
            "The CSV header row does not match the staff extract columns", errors=errors
        )
