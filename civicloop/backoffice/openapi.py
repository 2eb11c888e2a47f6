# SPDX-License-Identifier: MPL-2.0
"""The OAuth2 scope of each back-office operation, written into the OpenAPI document.

django-ninja lists an operation's auth schemes with no scopes. The scope an operation enforces is
the one its `ClientCredentials` auth was made with (`auth.auth_for`), so that object is the only
source: `declare_scopes` reads it from each operation and writes it as the operation's
`clientCredentials` requirement, so the document cannot name a scope the code does not check.
`tests/test_scopes.py` calls every operation to show each refuses a token without that scope.
"""

from collections.abc import Iterator
from typing import Any

from ninja import NinjaAPI, Router
from ninja.operation import Operation

from civicloop.backoffice.auth import ClientCredentials, StaffSession

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _operations(router: Router) -> Iterator[Operation]:
    for path_view in router.path_operations.values():
        yield from path_view.operations
    for _prefix, child, _tags in router._routers:
        yield from _operations(child)


def scopes_by_operation_id(api: NinjaAPI, router: Router) -> dict[str, str]:
    """operationId → the scope its ClientCredentials auth enforces, for every operation under `router`."""
    found: dict[str, str] = {}
    for operation in _operations(router):
        enforced = [auth.scope for auth in operation.auth_callbacks if isinstance(auth, ClientCredentials)]
        if len(enforced) == 1:
            found[operation.operation_id or api.get_openapi_operation_id(operation)] = enforced[0]
    return found


def declare_scopes(schema: dict[str, Any], api: NinjaAPI, router: Router) -> dict[str, Any]:
    """Each back-office operation's security: its OAuth2 scope, or a member of staff's session."""
    scopes = scopes_by_operation_id(api, router)
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            if method in HTTP_METHODS and (scope := scopes.get(operation.get("operationId", ""))):
                operation["security"] = [{ClientCredentials.__name__: [scope]}, {StaffSession.__name__: []}]
    return schema
