"""Quorum and majority, evaluated from a body's rules. Pure functions: no database access.

Used by steering-group decisions and by council resolutions alike, so that one reading of the
rules of procedure serves every body.
"""

from __future__ import annotations

from dataclasses import dataclass

# Values of stakeholders.models.Body.QuorumRule / MajorityRule
MORE_THAN_HALF_OF_ALL = "more_than_half_of_all"
NO_QUORUM = "none"
MAJORITY_OF_VOTING = "majority_of_voting"
MAJORITY_OF_PRESENT = "majority_of_present"
MAJORITY_OF_ALL = "majority_of_all"
CONSENSUS = "consensus"


@dataclass(frozen=True)
class Tally:
    members_total: int
    present: int
    votes_for: int
    votes_against: int
    votes_abstained: int

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstained


@dataclass(frozen=True)
class Outcome:
    is_quorate: bool
    is_adopted: bool
    needed_for_quorum: int
    needed_for_adoption: int


def _more_than_half(of: int) -> int:
    """The smallest whole number greater than half of ``of``."""
    return of // 2 + 1


def evaluate(*, quorum_rule: str, majority_rule: str, tally: Tally) -> Outcome:
    """Whether a vote was quorate and adopted under the given rules.

    Quorum "more than half of all members" counts those present (at a meeting) or those who
    voted (per rollam). Majorities: of those voting counts every vote cast, abstentions
    included; of those present counts those present; of all members counts the body's full
    membership (Act 128/2000 § 87 for councils); consensus needs no vote against and one for.
    A tie is never a majority.
    """
    if tally.present > tally.members_total or tally.votes_cast > tally.present:
        raise ValueError(f"inconsistent tally: {tally}")
    if quorum_rule == MORE_THAN_HALF_OF_ALL:
        needed_quorum = _more_than_half(tally.members_total)
    elif quorum_rule == NO_QUORUM:
        needed_quorum = 1
    else:
        raise ValueError(f"unknown quorum rule {quorum_rule!r}")
    is_quorate = tally.members_total > 0 and tally.present >= needed_quorum

    if majority_rule == MAJORITY_OF_VOTING:
        needed = _more_than_half(tally.votes_cast)
    elif majority_rule == MAJORITY_OF_PRESENT:
        needed = _more_than_half(tally.present)
    elif majority_rule == MAJORITY_OF_ALL:
        needed = _more_than_half(tally.members_total)
    elif majority_rule == CONSENSUS:
        needed = 1
    else:
        raise ValueError(f"unknown majority rule {majority_rule!r}")
    has_majority = tally.votes_for >= needed and tally.votes_for > 0
    if majority_rule == CONSENSUS:
        has_majority = has_majority and tally.votes_against == 0
    return Outcome(
        is_quorate=is_quorate,
        is_adopted=is_quorate and has_majority,
        needed_for_quorum=needed_quorum,
        needed_for_adoption=needed,
    )
