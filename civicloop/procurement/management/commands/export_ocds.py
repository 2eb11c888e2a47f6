# SPDX-License-Identifier: MPL-2.0
"""`manage.py export_ocds --output DIR`: the OCDS 1.1.5 release and record packages of what is published."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicloop.procurement import ocds


class Command(BaseCommand):
    help = "Write release-package.json and record-package.json (OCDS 1.1.5), checked against the schema first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="Directory to write into (created if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        release_package, record_package = ocds.packages()
        if not release_package["releases"]:
            # The schema wants at least one release in a package: an empty file would not validate.
            self.stdout.write(
                "Nothing is published yet: no tender past its publication, no direct award. No file written."
            )
            return
        problems = [f"release package: {e}" for e in ocds.errors(release_package, "release")]
        problems += [f"record package: {e}" for e in ocds.errors(record_package, "record")]
        if problems:
            # Never publish a file a data user's validator would refuse: say what is wrong instead.
            raise CommandError("The packages do not validate against OCDS 1.1.5:\n" + "\n".join(problems[:50]))
        try:
            output.mkdir(parents=True, exist_ok=True)
            for name, package in (("release-package.json", release_package), ("record-package.json", record_package)):
                (output / name).write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Could not write to {output}: {error.strerror}") from None
        self.stdout.write(
            f"Wrote {len(record_package['records'])} contracting processes "
            f"({len(release_package['releases'])} releases) to {output}: valid OCDS {ocds.VERSION}"
        )
