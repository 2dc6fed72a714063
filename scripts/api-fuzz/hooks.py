"""Schemathesis hooks for `npm run fuzz:api` (scripts/api-fuzz.ts).

openapi.yaml gives a decimal operand's text rule (a pattern and a length), which JSON Schema can
check; its range (34 significant digits, exponent within +-6143, decimal128's) only the server
checks, and answers 400 naming it. So that "a request the schema allows is accepted" is a real
check, generated bodies with an operand out of that range are not sent: the range is the server's
unit-tested business (events/decimal.test.ts), not something the document promises.
Schemathesis applies body hooks to its unit phases (examples, coverage, fuzzing), not to the
stateful one: there a 400 is expected too (schemathesis.toml).
"""

import re
from decimal import MAX_EMAX, MIN_EMIN, Decimal, InvalidOperation, localcontext

import schemathesis

SIGNIFICANT_DIGITS = 34
MAX_EXPONENT = 6143
DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def in_range(value) -> bool:
    """Whether a string operand that reads as a decimal lies in the contract's range."""
    if not isinstance(value, str):
        return True  # a JSON number (a float here) is always in range; other types are refused anyway
    text = value.strip()
    if not DECIMAL_TEXT.fullmatch(text):
        return True  # not a decimal at all: the pattern's business
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return False  # a decimal beyond even Python's limits: far out of range
    if not number.is_finite() or number.is_zero():
        return True
    with localcontext() as context:
        # Wide enough that normalizing (dropping trailing zeros) never rounds a digit away.
        context.prec, context.Emax, context.Emin = 1000, MAX_EMAX, MIN_EMIN
        digits = number.normalize().as_tuple().digits
    return len(digits) <= SIGNIFICANT_DIGITS and abs(number.adjusted()) <= MAX_EXPONENT


@schemathesis.hook
def filter_body(context, body) -> bool:
    if not isinstance(body, dict):
        return True
    return all(in_range(body.get(name)) for name in ("a", "b"))
