# SPDX-License-Identifier: MPL-2.0
"""factory_boy factories for the main models: departments, residents, staff, applications, cases, inquiries.

Staff belong to departments by their catalogue code, so load the catalogue first (the `catalog`
fixture) or make the department with DepartmentFactory. Applications and cases are made through
`submit_from_api`, the action the site uses, so a case from CaseFactory has its receipt number,
events, audit entries and process like any other; they cannot be built without the database.

Call `StaffFactory.create(...)` rather than `StaffFactory(...)`: both make the same user, but only
the first is typed as a User for mypy.
"""

import copy
from collections.abc import Iterable
from typing import Any

from factory.base import Factory
from factory.declarations import LazyAttribute, LazyFunction, PostGeneration, Sequence, SubFactory, Trait
from factory.django import DjangoModelFactory

from civicloop.accounts.models import Department, Position, User
from civicloop.applications import actions as application_actions
from civicloop.applications.models import Application
from civicloop.cases import actions as case_actions
from civicloop.cases.models import Case
from civicloop.catalog.models import Procedure
from civicloop.core.models import Classification
from civicloop.intelligence.models import Inquiry
from civicloop.testing.answers import VALID_SODAI_GOMI


class DepartmentFactory(DjangoModelFactory[Department]):
    """A 課. A code the catalogue already loaded returns that department."""

    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = Sequence(lambda n: f"test-{n}")
    name_ja = Sequence(lambda n: f"試験課 {n}")
    name_en = Sequence(lambda n: f"Test Division {n}")


class ResidentFactory(DjangoModelFactory[User]):
    """A resident with an e-mail address, as after a first sign-in."""

    class Meta:
        model = User

    username = Sequence(lambda n: f"resident-{n}")
    kind = User.Kind.RESIDENT
    email = Sequence(lambda n: f"r{n}@example.jp")
    full_name = Sequence(lambda n: f"住民 {n}")


class StaffFactory(DjangoModelFactory[User]):
    """A clerk (係員) of 清掃リサイクル課 with OFFICIAL clearance, unless told otherwise.

    `department="zeimu"` (a code, or several codes) picks the department, `department=""` none;
    `position=Position.KACHO` the rank; traits `secret`, `top_secret` the clearance and `superuser`
    the Django admin flags (which give no access to content).
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        secret = Trait(clearance=Classification.SECRET)
        top_secret = Trait(clearance=Classification.TOP_SECRET)
        superuser = Trait(is_staff=True, is_superuser=True)

    username = Sequence(lambda n: f"staff-{n}")
    kind = User.Kind.STAFF
    full_name = LazyAttribute(lambda staff: staff.username)
    position = Position.CLERK
    clearance = Classification.OFFICIAL

    department = PostGeneration(lambda user, create, codes, **kwargs: _join(user, create, codes))


def _join(user: User, create: bool, codes: str | Iterable[str] | None) -> None:
    """Put a made StaffFactory user in its departments (by code; by default 清掃リサイクル課)."""
    wanted = ["seiso"] if codes is None else [codes] if isinstance(codes, str) else list(codes)
    if create and any(wanted):
        user.departments.add(*Department.objects.filter(code__in=[code for code in wanted if code]))


class ApplicationFactory(Factory[Application]):
    """A submitted 粗大ごみ application (any published procedure by `procedure=` and its `answers=`)."""

    class Meta:
        model = Application

    applicant = SubFactory(ResidentFactory)
    procedure = "sodai-gomi"
    answers = LazyFunction(lambda: copy.deepcopy(VALID_SODAI_GOMI))
    idempotency_key = Sequence(lambda n: f"factory-{n:08d}")

    @classmethod
    def _create(cls, model_class: type[Application], *args: Any, **kwargs: Any) -> Application:
        procedure = kwargs["procedure"]
        if not isinstance(procedure, Procedure):
            procedure = Procedure.objects.get(code=procedure)
        application, _created = application_actions.submit_from_api(
            user=kwargs["applicant"],
            procedure=procedure,
            answers=kwargs["answers"],
            idempotency_key=kwargs["idempotency_key"],
        )
        return application

    @classmethod
    def _build(cls, model_class: type[Application], *args: Any, **kwargs: Any) -> Application:
        raise NotImplementedError("an application exists only once submitted: use ApplicationFactory.create()")


class CaseFactory(Factory[Case]):
    """The case a submitted application opened in its department; `claimed_by=clerk` claims it."""

    class Meta:
        model = Case

    application = SubFactory(ApplicationFactory)
    claimed_by = None

    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        case = Case.objects.select_related("application__applicant", "department").get(
            application=kwargs["application"]
        )
        if kwargs["claimed_by"] is not None:
            case_actions.claim_case(case=case, clerk=kwargs["claimed_by"])
            case.refresh_from_db()
        return case

    @classmethod
    def _build(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        raise NotImplementedError("a case is opened by a submission: use CaseFactory.create()")


class InquiryFactory(DjangoModelFactory[Inquiry]):
    """An inquiry waiting for triage, as the counter registers it (no resident, no department)."""

    class Meta:
        model = Inquiry

    reference_number = Sequence(lambda n: f"Q-TEST-{n:04d}")
    text = "粗大ごみの日は？"
