# SPDX-License-Identifier: MPL-2.0
"""Named domain errors of the council app; the edge maps each to a message."""


class CouncilError(Exception):
    """Base of the council app's refusals."""


class DuplicateQuestionNumber(CouncilError):
    """The session already has a question with this number."""


class AlreadyAssigned(CouncilError):
    """The question is already assigned to this department."""


class NoVersion(CouncilError):
    """The answer has no saved version to review yet."""


class AwaitingReview(CouncilError):
    """A reviewer of the chain has not decided the latest version yet."""


class ChangesRequested(CouncilError):
    """A reviewer asked for changes: save a new version, then send it up the chain again."""


class NoPositionHolder(CouncilError):
    """Nobody holds a rank of the review chain (the department lacks its 課長 or 部長, or no 副区長)."""


class AlreadyFinalised(CouncilError):
    """The answer is signed off; nothing to send up the chain."""


class ChainIncomplete(CouncilError):
    """A 答弁書 is signed off only after every rank of its chain (課長 → 部長 → 副区長) approved it."""
