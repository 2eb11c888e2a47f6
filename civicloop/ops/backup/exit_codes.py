# SPDX-License-Identifier: MPL-2.0
"""Exit codes of backup_site, restore_site and verify_restore (docs/operations.md, "Backup and restore").

One table for the three commands, so a script or a monitor reads a code the same way whichever
command it ran. 1 is any other failure (a missing or failing pg_dump, a full disk); 2 is argparse's
own, for a bad command line.
"""

FAILED = 1
TARGET_NOT_EMPTY = 3  # restore: the database has tables or the storage has files (use --force to replace)
NEWER_THAN_CODE = 4  # restore: the backup's migrations are newer than this code's
BACKUP_UNREADABLE = 5  # no manifest, or the backup's files do not match it
DIFFERS = 6  # verify: row counts, files or the audit chain differ from the manifest
