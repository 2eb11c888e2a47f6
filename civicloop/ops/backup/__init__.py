# SPDX-License-Identifier: MPL-2.0
"""Backup, restore and verify of the whole site (`site.py`), for `backup_site`, `restore_site` and `verify_restore`."""
