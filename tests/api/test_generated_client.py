"""A client generated from the published schema, with no patch, walks the API.

openapi-python-client (pinned in the dev group) generates a package from the schema the API
serves, with the settings in docs/openapi-python-client.yml; the test fails on any warning
the generator prints. The generated client then talks to the application in-process: httpx's
WSGI transport in front of Django's test handler, so the walk runs inside the test's
transaction and every answer is also held to the schema by tests/contract.py. It logs in,
lists and creates members, submits, activates, generates bills, lists them, records a
payment with an Idempotency-Key (replayed), verifies it, and reads progress and a report.
"""

from __future__ import annotations

import datetime
import importlib
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.test.client import ClientHandler
from django.utils import timezone

from jamsostek.core.choices import Role
from tests.conftest import KAB_PEKALONGAN, KWAYANGAN, PASSWORD, ROOT
from tests.contributions.helpers import pdf_bytes

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
CONFIG = ROOT / "docs" / "openapi-python-client.yml"


def generate(schema: bytes, where: Path) -> str:
    """Generate the client into ``where``; the generator's whole output (it must be clean)."""
    (where / "schema.json").write_bytes(schema)
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(where / "schema.json"),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(where / "jamsostek_client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    where = tmp_path_factory.mktemp("generated")
    output = generate(schema.content, where)
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module("jamsostek_client")
        yield package, output
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.startswith("jamsostek_client")]:
            del sys.modules[name]


def in_process_app(environ, start_response):
    """A WSGI application over Django's test handler (which keeps the test's connection)."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = [*response.items()]
    headers += [("Set-Cookie", cookie.OutputString()) for cookie in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.getvalue() if response.streaming else response.content]


def transport() -> httpx.WSGITransport:
    return httpx.WSGITransport(app=in_process_app)


def test_the_generator_has_nothing_to_say_about_the_schema(generated):
    _package, output = generated
    assert "Warning" not in output and "WARNING" not in output, output
    assert "Error" not in output, output


def test_every_generated_module_imports(generated):
    package, _output = generated
    import pkgutil

    modules = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    assert len(modules) > 100
    for name in modules:
        importlib.import_module(name)


def test_the_generated_client_walks_the_api(
    generated, make_user, django_capture_on_commit_callbacks
):
    from jamsostek_client import AuthenticatedClient, Client
    from jamsostek_client.api.auth import auth_me_retrieve, auth_token_create
    from jamsostek_client.api.bills import bills_generate_create, bills_list, bills_retrieve
    from jamsostek_client.api.members import (
        members_activate_create,
        members_create,
        members_list,
        members_submit_create,
    )
    from jamsostek_client.api.payments import payments_create, payments_verify_create
    from jamsostek_client.api.reports import reports_coverage_retrieve
    from jamsostek_client.api.root import root as api_root
    from jamsostek_client.api.villages import villages_progress_retrieve
    from jamsostek_client.models import (
        ActivateRequest,
        CategoryEnum,
        EnrollmentWriteRequest,
        ErrorResponse,
        FundingSourceEnum,
        GenerateRequest,
        MemberWriteRequest,
        MethodEnum,
        PaymentStatusEnum,
        PaymentWriteRequest,
        ProgramEnum,
        ReviewRequest,
        RoleRequest,
        SegmentEnum,
        SexEnum,
        TokenObtainPairRequest,
    )
    from jamsostek_client.types import File

    operator = make_user(Role.VILLAGE_OPERATOR)
    officer = make_user(Role.BPJS_OFFICER)
    auditor = make_user(Role.PMD_AUDITOR)
    anonymous = Client(base_url=BASE, httpx_args={"transport": transport()})

    # Given a newcomer at the root, who is told where to log in
    start = api_root.sync(client=anonymous)
    assert start.token == f"{BASE}/api/v1/auth/token/"

    # And a wrong password, answered with the error body as a model
    refused = auth_token_create.sync(
        client=anonymous, body=TokenObtainPairRequest(username=operator.username, password="x")
    )
    assert isinstance(refused, ErrorResponse)
    assert refused.errors[0].code == "no_active_account"

    def logged_in(user) -> AuthenticatedClient:
        pair = auth_token_create.sync(
            client=anonymous,
            body=TokenObtainPairRequest(username=user.username, password=PASSWORD),
        )
        return AuthenticatedClient(
            base_url=BASE, token=pair.access, httpx_args={"transport": transport()}
        )

    as_operator, as_officer, as_auditor = (
        logged_in(operator),
        logged_in(officer),
        logged_in(auditor),
    )
    assert auth_me_retrieve.sync(client=as_operator).scope.code == KWAYANGAN

    # (the writes' transactions commit at the end of the block, as outside a test, and the
    # progress they made stale is refreshed then)
    with django_capture_on_commit_callbacks(execute=True):
        # When the village secretary lists members and registers one
        before = members_list.sync(client=as_operator)
        today = timezone.localdate()
        month = today.replace(day=1)
        created = members_create.sync(
            client=as_operator,
            body=MemberWriteRequest(
                village=KWAYANGAN,
                nik="3326134507850001",
                full_name="Siti Aminah",
                birth_date=datetime.date(1985, 7, 5),
                sex=SexEnum.FEMALE,
                phone="081234567890",
                roles=[
                    RoleRequest(
                        category=CategoryEnum.BPD,
                        position="Ketua BPD",
                        term_start=datetime.date(2023, 1, 1),
                        term_end=datetime.date(2028, 12, 31),
                    )
                ],
                enrollment=EnrollmentWriteRequest(
                    segment=SegmentEnum.BPU,
                    programs=[ProgramEnum.JKK, ProgramEnum.JKM],
                    declared_income=1_000_000,
                    funding_source=FundingSourceEnum.ADD,
                ),
            ),
        )
        assert created.nik_masked == "3326********0001"
        after = members_list.sync(client=as_operator)
        assert after.count == before.count + 1
        assert after.results[0].roles[0].ended_on is None  # a null the schema now allows

        # And submits it, and the BPJS office activates it from this month
        submitted = members_submit_create.sync(id=created.id, client=as_operator)
        assert submitted.enrollment.status.value == "submitted"
        active = members_activate_create.sync(
            id=created.id,
            client=as_officer,
            body=ActivateRequest(kpj_number="12345678901", effective_from=month),
        )
        assert active.enrollment.status.value == "active"

        # And the regency generates the month's bills (the activation billed it already)
        period = month.strftime("%Y-%m")
        generated_bills = bills_generate_create.sync(
            client=as_auditor, body=GenerateRequest(period=period, regency=KAB_PEKALONGAN)
        )
        assert generated_bills.period == period
        bills = bills_list.sync(client=as_operator, period=period)
        bill = next(b for b in bills.results if b.segment.value == "bpu")
        detail = bills_retrieve.sync(id=bill.id, client=as_operator)
        assert detail.outstanding > 0

        # And records the payment with its evidence, twice over a flaky network
        def pay():
            return payments_create.sync_detailed(
                client=as_operator,
                idempotency_key=f"kwayangan-{period}-bpu",
                body=PaymentWriteRequest(
                    village=KWAYANGAN,
                    bill=bill.id,
                    amount=detail.outstanding,
                    paid_on=today,
                    method=MethodEnum.TRANSFER,
                    funding_source=FundingSourceEnum.ADD,
                    reference="TRF-0001",
                    evidence=File(
                        payload=io.BytesIO(pdf_bytes()),
                        file_name="bukti.pdf",
                        mime_type="application/pdf",
                    ),
                ),
            )

        first, again = pay(), pay()
        # Then one payment is recorded, and the replay answers the same one
        assert first.status_code == again.status_code == 201
        assert first.parsed.id == again.parsed.id
        assert first.parsed.status == PaymentStatusEnum.PENDING_REVIEW

        # And the regency verifies it
        verified = payments_verify_create.sync(
            id=first.parsed.id, client=as_auditor, body=ReviewRequest(note="Sesuai rekening koran")
        )
        assert verified.status == PaymentStatusEnum.VERIFIED

    # And reads the village's progress and the regency's coverage report
    progress = villages_progress_retrieve.sync(code=KWAYANGAN, client=as_auditor)
    assert progress.categories["bpd"].registered >= 1
    coverage = reports_coverage_retrieve.sync(client=as_auditor, code=KAB_PEKALONGAN)
    assert coverage.code == KAB_PEKALONGAN
    assert any(row.code == "33.26.13" for row in coverage.rows)
