# SPDX-License-Identifier: MPL-2.0
"""The members of staff a person picks from: assignees, reviewers, people to mention or meet.

The one place that says who they are: active staff, never the service account behind an
integration client of the back-office API (`civicloop.backoffice.models.IntegrationClient`). That
account is how the policy judges a machine; no one reads its inbox, reviews as it or meets it, so a
case assigned or a mention sent to it would be lost. The filter names the relation by its lookup
only: accounts imports nothing from the app above it.
"""

from django.db.models import QuerySet

from civicloop.accounts.models import User


def colleagues() -> QuerySet[User]:
    """Active staff people; service accounts of integration clients left out."""
    return User.objects.filter(kind=User.Kind.STAFF, is_active=True, integration_client__isnull=True)
