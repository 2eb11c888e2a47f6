# SPDX-License-Identifier: MPL-2.0
class BadClient(ValueError):
    """The client's declared clearance, departments or scopes are not acceptable."""
