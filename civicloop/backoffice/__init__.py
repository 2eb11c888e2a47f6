# SPDX-License-Identifier: MPL-2.0
"""The back-office API (/api/v1/backoffice/): cases, tasks, decisions, documents, inquiries, events
and webhook subscriptions for staff (session) and integration clients (OAuth2 client credentials).

Nothing here decides access or a rule: reads go through the apps' access helpers and QuerySets
(the one policy, `Action.API`), writes through their action functions (docs/api.md).
"""
