# SPDX-License-Identifier: MPL-2.0
"""One date style on every Japanese page (issue 11): 2026年12月16日, 2026年12月16日 9:05.

Django's own Japanese SHORT_DATE_FORMAT is 2026/12/16; civicloop writes dates one way only, so a
resident never has to wonder whether 12/01 is a month or a day. Templates use `|date` (DATE_FORMAT)
or `|date:"DATETIME_FORMAT"`, never a pattern of their own.
"""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 G:i"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 G:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
TIME_FORMAT = "G:i"
