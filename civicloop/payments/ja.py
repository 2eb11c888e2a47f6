# SPDX-License-Identifier: MPL-2.0
"""Japanese for this app's UI strings; merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    # Application.Status.AWAITING_PAYMENT (set by cases when the case reaches 手数料納付)
    "Awaiting fee payment": "手数料のお支払い待ち",
    # Payment.State
    "Awaiting payment": "未納",
    "Paid": "納付済み",
    "Refunded": "返金済み",
}
