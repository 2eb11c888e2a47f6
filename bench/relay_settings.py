# SPDX-License-Identifier: MPL-2.0
"""bench.settings for the relay that bench/submit.py runs beside the server during submissions.

Only the consumers that took work off the submission's request (its case's process instance and
its receipt notice): the measured phase pays for that work as it happens. Analytics rollups and
webhooks ran after the response before that change too, and this bench never ran them.
"""

from bench.settings import *  # noqa: F403

EVENT_CONSUMERS = {
    name: path
    for name, path in EVENT_CONSUMERS.items()  # noqa: F405
    if name in ("cases", "notifications")
}
