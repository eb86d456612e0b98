"""TOTP codes for logins (pyotp), accepting the 80-bit secrets most sites still issue.

pyotp refuses secrets shorter than 112 bits since 2.10 (a rule for those who *issue*
secrets). A scraper only consumes the secret the site gave, and the common 16-char
Base32 secret is 80 bits, so the floor here is 80 bits (RFC 4226's minimum is 128,
but real authenticator setups use 80). Codes are remembered as secrets so no
message or log can show one.
"""

from __future__ import annotations

import pyotp

from elt_project.errors import ConfigurationError
from elt_project.ingest.sources.secrets import SecretBook


class _ConsumerTOTP(pyotp.TOTP):
    min_secret_length_bits = 80


def totp_code(secret: str, secrets: SecretBook) -> str:
    """The current code for ``secret``; a malformed secret is a ConfigurationError (never echoed)."""
    try:
        code = _ConsumerTOTP(secret.replace(" ", "").upper()).now()
    except Exception as exc:  # pyotp raises binascii.Error / ValueError for a bad secret
        raise ConfigurationError(
            "The TOTP secret is not valid Base32 text of at least 16 characters; copy the secret key again "
            "from the authenticator setup."
        ) from exc
    secrets.remember(code)
    return code
