# SPDX-License-Identifier: MPL-2.0
"""Django's PostgreSQL backend with a cheaper health check (base.DatabaseWrapper.is_usable)."""
