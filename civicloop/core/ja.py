# SPDX-License-Identifier: MPL-2.0
"""Japanese for the shared modules' UI strings (uploaded PDFs); merged by locale/translate_ja.py."""

JA: dict[str, str | list[str]] = {
    "JavaScript": "JavaScript",
    "starting another program": "別のプログラムの起動",
    "embedded files": "埋め込まれたファイル",
    "multimedia": "動画・音声などのマルチメディア",
    "actions that run by themselves": "自動で実行される動作",
    "an XFA form": "XFAフォーム",
    "actions that act outside the document": "文書の外で動く操作",
    ", ": "、",
    ": ": "：",
    "OFFICIAL": "一般",
    "SECRET": "秘",
    "TOP SECRET": "極秘",
    "%(name)s could not be read as a PDF (it may be damaged or protected by a password), so it cannot be accepted. Make the PDF again and attach it.": "%(name)s はPDFとして読み取れなかったため（壊れているか、パスワードで保護されている可能性があります）、受け付けられません。PDFを作り直して添付してください。",
    "%(name)s contains content that runs when the PDF is opened (%(what)s), so it cannot be accepted. Print it and scan it, or make the PDF again.": "%(name)s には、PDFを開くと実行される内容（%(what)s）が含まれているため受け付けられません。印刷してスキャンするか、PDFを作り直してください。",
    "The search text contains a character that cannot be used. Remove it and search again.": "検索語に使用できない文字が含まれています。その文字を削除して、もう一度検索してください。",
}
