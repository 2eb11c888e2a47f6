# SPDX-License-Identifier: MPL-2.0
"""Named domain errors the actions raise; views map them to messages."""


class ProcurementError(Exception):
    """A procurement rule refused the change; the message says which, in the active language."""


class NotEligible(ProcurementError):
    """The supplier or its service does not meet the tender's eligibility."""


class DeadlinePassed(ProcurementError):
    """The bid deadline (or the questions deadline) has passed."""


class BidsStillSealed(ProcurementError):
    """The deadline has not passed: nobody may open the bids yet."""


class AlreadyOpened(ProcurementError):
    """The tender's bids were opened already."""


class InvalidTender(ProcurementError):
    """The tender cannot be published as it is (weights, deadlines, lots)."""


class ConflictOfInterest(ProcurementError):
    """The evaluator declared a conflict, or has not declared yet."""


class ScoresLocked(ProcurementError):
    """The score sheet was submitted and is locked."""


class WrongState(ProcurementError):
    """The object is not in a state that allows this step."""


class DocumentReviewed(ProcurementError):
    """契約課 has decided since the document was uploaded: it is kept as evidence of that decision."""


class DocumentRejected(ProcurementError):
    """An uploaded file was refused: empty, too large, not a PDF, JPEG or PNG, or a PDF that could run code."""
