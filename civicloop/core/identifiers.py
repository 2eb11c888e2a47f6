# SPDX-License-Identifier: MPL-2.0
"""Human-friendly public numbers (受付番号, 問い合わせ番号) that say nothing about one another."""

import secrets

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from paper.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_code(prefix: str) -> str:
    """`<prefix>-XXXX-XXXX`: 40 random bits, so a number cannot be guessed from another."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"
