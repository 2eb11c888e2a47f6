# SPDX-License-Identifier: MPL-2.0
"""The baseline: the cheapest useful write through the same stack, one raw INSERT per request."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def baseline(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_baseline (created_at) VALUES (now()) RETURNING id")
        (row_id,) = cursor.fetchone()
    return HttpResponse(f'{{"id": {row_id}}}', status=201, content_type="application/json")
