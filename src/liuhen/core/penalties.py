"""Penalty rules that are arithmetic, kept pure so they are provable without a database."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class PartyKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class PenaltyKind(StrEnum):
    WARNING = "warning"
    FINE = "fine"
    OTHER = "other"


# rule S5 (处罚法51): the simplified procedure's ceilings, in yuan
SIMPLIFIED_FINE_CEILING: dict[PartyKind, Decimal] = {
    PartyKind.INDIVIDUAL: Decimal(200),
    PartyKind.ORGANISATION: Decimal(3000),
}


def simplified_allowed(party_kinds: list[PartyKind], penalty: PenaltyKind | None, fine: Decimal | None) -> bool:
    """rule S5: a warning, or a fine within the ceiling for every party (the strictest applies)."""
    if penalty == PenaltyKind.WARNING:
        return True
    if penalty != PenaltyKind.FINE or fine is None or fine <= 0 or not party_kinds:
        return False
    return all(fine <= SIMPLIFIED_FINE_CEILING[PartyKind(k)] for k in party_kinds)
