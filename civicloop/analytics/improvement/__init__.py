# SPDX-License-Identifier: MPL-2.0
"""改善: findings from the rollups, the process owners' actions on them, and their effect (docs/improvement.md)."""
