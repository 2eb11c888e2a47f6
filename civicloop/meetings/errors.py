# SPDX-License-Identifier: MPL-2.0
"""Named refusals of the meetings actions; the views map each to a message."""


class MeetingError(Exception):
    """Base of the meetings app's refusals."""


class AttendeeNotCleared(MeetingError):
    """An attendee must be an active member of staff cleared for the meeting's tier."""


class AlreadyAttending(MeetingError):
    """The person is already on the meeting's list."""


class MaterialTooSensitive(MeetingError):
    """TOP SECRET material is never shared with a meeting (it is shown to named people only)."""


class AlreadyShared(MeetingError):
    """The document is already a material of this meeting."""


class DocumentNotVisible(MeetingError):
    """Only a document the sharer may open can be shared."""
