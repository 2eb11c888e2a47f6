# SPDX-License-Identifier: MPL-2.0
"""One date style on every English page (issue 11): 16 December 2026, 16 December 2026, 09:05.

The day-month-year order of British English (GOV.UK style) rather than Django's "Dec. 16, 2026".
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
