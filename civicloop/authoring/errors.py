# SPDX-License-Identifier: MPL-2.0
"""Named refusals of the authoring actions; views and the websocket map them to responses."""


class DocumentFrozen(Exception):
    """The document is signed off: its text no longer changes until a new version is started."""


class ReviewClosed(Exception):
    """The review was already decided, or its version is no longer the one under review."""


class NotReviewer(Exception):
    """Only the person asked may decide a review."""


class NotReadyToSignOff(Exception):
    """Sign-off needs a version under review that every reviewer approved."""


class InvalidReviewers(Exception):
    """A reviewer must be another active member of staff cleared for the document's tier."""


class SuggestionNotFound(Exception):
    """No text of the document carries this suggestion any more (already decided, or edited away)."""


class NotAllowedToDecide(Exception):
    """Suggestions are accepted or rejected by those who may work the document or its reviewers."""


class VersionNotIntact(Exception):
    """The version's HTML no longer matches the hash it was frozen with: it is not exported."""
