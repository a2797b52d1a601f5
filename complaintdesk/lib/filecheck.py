"""What an attached file really is: its base name and whether its bytes match its type.

A name says ".pdf", the sender's header says application/pdf, and the bytes are a Windows
program: every attachment path (portal, API, inbound e-mail) checks the content's magic bytes
with `filetype` against the type the name promises, and keeps only the base name of a path
such as "../../etc/passwd".
"""

import re

import filetype

# Types that are plain text have no signature: they pass when no binary signature is found.
TEXT_TYPES = frozenset({"text/plain", "text/csv", "message/rfc822"})
# Office Open XML files are zip archives; filetype names the inner type when the archive's
# first entries show it, else only "zip".
_ALSO_ZIP = frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})
HEAD_BYTES = 8192


def safe_name(name: str, *, limit: int = 120) -> str:
    """The base name without directories or control characters ("attachment" if none is left)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]+", "", base).strip(" .")
    return (base or "attachment")[:limit]


def content_matches(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file are of the type its name gives."""
    kind = filetype.guess(head) if head else None
    if content_type in TEXT_TYPES:
        return kind is None
    if kind is None:
        return False
    return kind.mime == content_type or (content_type in _ALSO_ZIP and kind.mime == "application/zip")
