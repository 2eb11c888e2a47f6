# SPDX-License-Identifier: MPL-2.0
"""Procurement pages: suppliers at /procurement/ (`suppliers.py`), staff at /staff/procurement/ (`staff.py`)."""
