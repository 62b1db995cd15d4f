"""Document types that go through approval, and what happens to the document on each outcome."""

from collections.abc import Callable
from dataclasses import dataclass

Hook = Callable[..., None]


def _nothing(**_: object) -> None:
    return None


@dataclass(frozen=True)
class DocumentType:
    """Callbacks into the document's own app, each called in the deciding transaction with
    `document_id` and `actor`: on_rejected / on_withdrawn / on_returned release what the
    document holds (committed budget, for example)."""

    code: str
    name: str
    on_approved: Hook = _nothing
    on_rejected: Hook = _nothing
    on_returned: Hook = _nothing
    on_withdrawn: Hook = _nothing


_TYPES: dict[str, DocumentType] = {}


def document_type_register(document_type: DocumentType) -> DocumentType:
    if document_type.code in _TYPES and _TYPES[document_type.code] != document_type:
        raise ValueError(f"document type {document_type.code!r} is registered twice")
    _TYPES[document_type.code] = document_type
    return document_type


def document_type_get(code: str) -> DocumentType:
    try:
        return _TYPES[code]
    except KeyError:
        raise LookupError(f"unknown document type {code!r}") from None
