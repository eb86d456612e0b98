"""Which text encoding a file is in: byte-order marks, ``encoding: auto`` and the advice on failure.

* A byte-order mark settles it: UTF-8, UTF-16 and UTF-32 (little or big endian)
  files are read correctly with no setting at all. Following "set an encoding"
  advice on a UTF-16 file would only load mojibake.
* ``read_options.encoding: auto`` asks the detector (charset-normalizer) and this
  module's check of its answer; an explicit encoding is used as given.
* When a file does not decode, the message suggests the encoding that reads it
  best instead of a fixed guess: latin-1 is almost never right for files made on
  Windows, where cp1252 is (the two differ in € “ ” – and friends).

The detector alone is weak on small files (it calls a short cp1252 file "cp775"),
so its candidates, plus cp1252, are decoded and scored for mojibake — symbols
glued to letters (``£ukasz``), case flipping inside a word (``JosŚ``), control
characters — and the cleanest wins; ties go to a coherent detector verdict
(Greek, Cyrillic), then to cp1252, the Windows default in Western Europe and the
Americas.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

#: (byte-order mark, Python codec that reads it and drops it), longest marks first.
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
AUTO = "auto"
_DETECT_BYTES = 1 << 20
_WINDOWS_WESTERN = "cp1252"


def bom_encoding(path: Path) -> str | None:
    """The codec a byte-order mark at the start of ``path`` names, or None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return None
    for mark, codec in BOMS:
        if head.startswith(mark):
            return codec
    return None


def resolve(path: Path, configured: str | None) -> str | None:
    """The encoding to read ``path`` with: its BOM, else ``auto`` detection, else as configured.

    ``None`` means the default, UTF-8 (a UTF-8 BOM is dropped either way).
    """
    marked = bom_encoding(path)
    if marked and marked != "utf-8-sig":
        return marked
    if configured is not None and configured.lower() == AUTO:
        return None if marked else detect(path)
    return configured


def detect(path: Path) -> str | None:
    """Best encoding for the file's first MiB: None when it is UTF-8 (or plain ASCII)."""
    with open(path, "rb") as handle:
        data = handle.read(_DETECT_BYTES)
    return detect_bytes(data)


def detect_bytes(data: bytes) -> str | None:
    """See :func:`detect`; a cut multi-byte character at the end of ``data`` is allowed."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return None
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    names = [m.encoding for m in matches]
    coherent = matches[0].encoding if matches and matches[0].language != "Unknown" else None
    candidates = list(dict.fromkeys([*names[:8], _WINDOWS_WESTERN]))
    scored = []
    for order, name in enumerate(candidates):
        try:
            text = data.decode(name, errors="strict")
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((_mojibake(text), name != coherent, name != _WINDOWS_WESTERN, order, name))
    if not scored:
        return None
    return codecs.lookup(min(scored)[-1]).name


def _mojibake(text: str) -> int:
    """How wrong a decoding looks: a count of odd characters next to letters, case flips, controls."""
    penalty = 0
    previous = ""
    for char in text:
        if ord(char) > 127:
            category = unicodedata.category(char)
            if category.startswith("C"):
                penalty += 3
            elif category[0] in "SP" and category not in ("Pd", "Pi", "Pf", "Sc") and previous.isalpha():
                penalty += 2
            elif category[0] in "SP" and category not in ("Pd", "Pi", "Pf", "Sc", "Po"):
                penalty += 1
            elif char.isupper() and previous.islower():
                penalty += 2
        elif char.isalpha() and _odd_symbol(previous):
            penalty += 2
        previous = char
    return penalty


def _odd_symbol(char: str) -> bool:
    """A non-ASCII symbol or punctuation mark that rarely touches a letter (not – “ ” €)."""
    if not char or ord(char) <= 127:
        return False
    category = unicodedata.category(char)
    return category[0] in "SP" and category not in ("Pd", "Pi", "Pf", "Sc")


def advice(path: Path, encoding: str | None) -> str:
    """What to set when ``path`` does not decode as ``encoding``: the detected one, or ``auto``."""
    try:
        suggested = detect(path)
    except OSError:
        suggested = None
    if suggested and (encoding is None or codecs.lookup(suggested).name != codecs.lookup(encoding).name):
        return (
            f"it reads cleanly as {suggested}: set read_options.encoding to '{suggested}' (or 'auto') in scraper_config"
        )
    return "set read_options.encoding in scraper_config to the file's encoding (or 'auto' to detect it)"
