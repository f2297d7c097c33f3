"""Tracking codes (mã tra cứu) that a citizen can read aloud over the phone.

The alphabet leaves out the characters people confuse: 0/O, 1/I/L (and lowercase,
since codes are shown in capitals and matched case-insensitively). Ten random
characters from 31 give about 8 × 10^14 codes, which makes guessing one hopeless at
the rate limits the intake endpoints apply. The two-letter kind prefix ("PA", "KN", "SK", ...)
only helps a person tell codes apart; it is not part of the secret.
"""

import re
import secrets

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_RANDOM_LENGTH = 10
_GROUP = 5
_SEPARATORS = re.compile(r"[\s\-_.]+")
_VALID = re.compile(rf"^[A-Z]{{2}}-[{TRACKING_ALPHABET}]{{{_GROUP}}}-[{TRACKING_ALPHABET}]{{{_GROUP}}}$")


def tracking_code_new(prefix: str) -> str:
    """A fresh code such as "KN-7KQ3M-X9TPA"."""
    body = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_RANDOM_LENGTH))
    return f"{prefix.upper()}-{body[:_GROUP]}-{body[_GROUP:]}"


def tracking_code_normalize(raw: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be one.

    People type codes in lowercase, with spaces or without hyphens ("kn 7kq3m x9tpa",
    "KN7KQ3MX9TPA"); all of those find the item.
    """
    compact = _SEPARATORS.sub("", raw or "").upper()
    match = re.match(r"^([A-Z]{2})([" + TRACKING_ALPHABET + r"]{10})$", compact)
    if not match:
        return None
    prefix, body = match.groups()
    code = f"{prefix}-{body[:_GROUP]}-{body[_GROUP:]}"
    return code if _VALID.match(code) else None
