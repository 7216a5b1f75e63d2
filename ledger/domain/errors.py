"""Every error the ledger raises on purpose, under one root.

    LedgerError                      something a person can act on; the CLI prints it, exit 1
    ├── InvalidInput                 a value given to a command is malformed or out of range
    │   ├── FutureTime               an occurred-at later than now
    │   ├── UnknownCategory          a violation category the group's rules do not know
    │   └── RulebookError            a rulebook file that cannot be read or does not validate
    ├── StoreError                   the store cannot be opened or used
    ├── ConcurrentUpdate             someone else recorded to the same record at the same time
    ├── NotPermitted                 the actor's role does not allow the command
    │   └── ConflictOfInterest       a reviewer deciding a case they had a part in, a
    │                                moderator deciding a flag raised against themselves
    ├── NotFound                     a group, member, flag or sanction that is not in the ledger
    │   └── AmbiguousId              a short id that matches more than one record
    └── RuleBroken                   the command contradicts the facts already recorded
        ├── GroupExists
        ├── RoleConflict             granting a role already held, revoking one not held
        ├── NotAMember               renaming, warning, removing … someone not in the group then
        ├── AlreadyMember            admitting someone who is in the group then
        ├── AdmissionRefused         the rulebook excludes the admission (tenants, inviters)
        ├── NotRemoved               readmitting someone who was not removed
        ├── FlagDecided              confirming or dismissing a flag a second time
        ├── SanctionClosed           rescinding, appealing or deciding on a sanction that no
        │                            longer counts, or an appeal already decided
        ├── AppealRefused            a second open appeal, or one after the appeal window
        ├── AlreadySanctioned        a second sanction for a message that earned one
        └── TimelineConflict         a late fact that would contradict a later recorded one

Messages name what was wrong and what to do, in one line.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""


class InvalidInput(LedgerError):
    pass


class FutureTime(InvalidInput):
    pass


class UnknownCategory(InvalidInput):
    pass


class RulebookError(InvalidInput):
    pass


class StoreError(LedgerError):
    pass


class ConcurrentUpdate(LedgerError):
    pass


class NotPermitted(LedgerError):
    pass


class NotFound(LedgerError):
    pass


class AmbiguousId(NotFound):
    pass


class ConflictOfInterest(NotPermitted):
    pass


class RuleBroken(LedgerError):
    pass


class SanctionClosed(RuleBroken):
    pass


class AppealRefused(RuleBroken):
    pass


class AlreadySanctioned(RuleBroken):
    pass


class GroupExists(RuleBroken):
    pass


class RoleConflict(RuleBroken):
    pass


class NotAMember(RuleBroken):
    pass


class AlreadyMember(RuleBroken):
    pass


class AdmissionRefused(RuleBroken):
    pass


class NotRemoved(RuleBroken):
    pass


class FlagDecided(RuleBroken):
    pass


class TimelineConflict(RuleBroken):
    pass
