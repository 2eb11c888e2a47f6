# SPDX-License-Identifier: MPL-2.0
"""The named errors of the case actions; the edge (views, API) maps each to a response."""

from civicloop.classification.policy import NotPermitted


class CaseAlreadyClaimed(Exception):
    """Someone else claimed the case first; nothing was changed."""


class IllegalTransition(Exception):
    """The case is not in a state that allows this step (e.g. approving a closed case)."""


class NotAuthorised(NotPermitted):
    """This person may not take this step (another department, an oversight role, approving above
    their rank); nothing was changed."""


class InvalidInput(Exception):
    """What the person sent cannot be used (a missing reason, an unknown outcome, answers that fail
    the form); `errors` maps each field to what is wrong, for the form to show. Nothing was changed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
