"""Every endpoint under /api/v1/, every method, every role: the status each one gets.

``MATRIX`` is the one table of who may do what. Its rows are keyed by (URL name, method);
its columns are the five roles (with the default test scopes) and an anonymous caller.
For endpoints that address one object, each cell is a pair: the status for an object
inside the caller's scope and for one outside it (404 wherever the role may otherwise
read that kind of object: outside objects do not exist for the caller).

``test_every_api_url_is_in_the_matrix`` walks the URL resolver, so a new endpoint
without a row here fails the suite until someone decides who may call it.
"""

import datetime
import itertools
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from contributions.models import BenefitClaim, Budget, Rate, Relief
from contributions.services.payments import payment_record
from jamsostek.core.choices import Role
from members.models import Enrollment, ImportJob, Member
from tests.conftest import (
    BANYUMAS,
    BLACANAN,
    CIRAHAB,
    DEFAULT_SCOPE,
    KAB_PEKALONGAN,
    KEDUNGWUNI,
    KWAYANGAN,
    MEDONO,
    PASSWORD,
)
from tests.matrix import (
    ADMIN,
    ANON,
    CALLERS,
    PMD,
    ROLES,
    assert_matrix_complete,
    bill_in,
    described,
    resolver_patterns,
    row,
)
from villages.models import Level, Region

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API_PREFIX = "api/v1/"


# Shorthands for object endpoints: (inside the caller's scope, outside it).
OK = (200, 200)
IN = (200, 404)  # may read the kind of object; outside ones do not exist
NO = (403, 403)  # the role may not: the same answer inside and outside
NA = (405, 405)
UN = (401, 401)

# fmt: off
MATRIX = {
    #                                  village_op  district  pmd       bpjs      admin     anonymous
    ("api-root", "GET"):           row(200,        200,      200,      200,      200,      200),
    ("api-root", "POST"):          row(405,        405,      405,      405,      405,      405),
    ("api-root", "PUT"):           row(405,        405,      405,      405,      405,      405),
    ("api-root", "PATCH"):         row(405,        405,      405,      405,      405,      405),
    ("api-root", "DELETE"):        row(405,        405,      405,      405,      405,      405),

    # Logging in is open to anyone with credentials (each caller sends their own).
    ("token-obtain", "GET"):       row(405,        405,      405,      405,      405,      405),
    ("token-obtain", "POST"):      row(200,        200,      200,      200,      200,      200),
    ("token-obtain", "PUT"):       row(405,        405,      405,      405,      405,      405),
    ("token-obtain", "PATCH"):     row(405,        405,      405,      405,      405,      405),
    ("token-obtain", "DELETE"):    row(405,        405,      405,      405,      405,      405),
    ("token-refresh", "GET"):      row(405,        405,      405,      405,      405,      405),
    ("token-refresh", "POST"):     row(200,        200,      200,      200,      200,      200),
    ("token-refresh", "PUT"):      row(405,        405,      405,      405,      405,      405),
    ("token-refresh", "PATCH"):    row(405,        405,      405,      405,      405,      405),
    ("token-refresh", "DELETE"):   row(405,        405,      405,      405,      405,      405),

    ("me", "GET"):                 row(200,        200,      200,      200,      200,      401),
    ("me", "POST"):                row(405,        405,      405,      405,      405,      401),
    ("me", "PUT"):                 row(405,        405,      405,      405,      405,      401),
    ("me", "PATCH"):               row(405,        405,      405,      405,      405,      401),
    ("me", "DELETE"):              row(405,        405,      405,      405,      405,      401),

    # The schema and its docs are public: they describe the API, not anyone's data.
    ("schema", "GET"):             row(200,        200,      200,      200,      200,      200),
    ("schema", "POST"):            row(405,        405,      405,      405,      405,      405),
    ("schema", "PUT"):             row(405,        405,      405,      405,      405,      405),
    ("schema", "PATCH"):           row(405,        405,      405,      405,      405,      405),
    ("schema", "DELETE"):          row(405,        405,      405,      405,      405,      405),
    ("docs", "GET"):               row(200,        200,      200,      200,      200,      200),
    ("docs", "POST"):              row(405,        405,      405,      405,      405,      405),
    ("docs", "PUT"):               row(405,        405,      405,      405,      405,      405),
    ("docs", "PATCH"):             row(405,        405,      405,      405,      405,      405),
    ("docs", "DELETE"):            row(405,        405,      405,      405,      405,      405),

    # The region tree is reference data: every user reads all of it, nobody writes it.
    ("region-list", "GET"):        row(200,        200,      200,      200,      200,      401),
    ("region-list", "POST"):       row(405,        405,      405,      405,      405,      401),
    ("region-list", "PUT"):        row(405,        405,      405,      405,      405,      401),
    ("region-list", "PATCH"):      row(405,        405,      405,      405,      405,      401),
    ("region-list", "DELETE"):     row(405,        405,      405,      405,      405,      401),
    ("region-detail", "GET"):      row(OK,         OK,       OK,       OK,       OK,       UN),
    ("region-detail", "POST"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("region-detail", "PUT"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("region-detail", "PATCH"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("region-detail", "DELETE"):   row(NA,         NA,       NA,       NA,       NA,       UN),

    # Villages: each role reads those of its scope; pmd_auditor and admin set seats/targets.
    ("village-list", "GET"):       row(200,        200,      200,      200,      200,      401),
    ("village-list", "POST"):      row(405,        405,      405,      405,      405,      401),
    ("village-list", "PUT"):       row(405,        405,      405,      405,      405,      401),
    ("village-list", "PATCH"):     row(405,        405,      405,      405,      405,      401),
    ("village-list", "DELETE"):    row(405,        405,      405,      405,      405,      401),
    ("village-detail", "GET"):     row(IN,         IN,       IN,       IN,       OK,       UN),
    ("village-detail", "POST"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("village-detail", "PUT"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("village-detail", "PATCH"):   row(NO,         NO,       IN,       NO,       OK,       UN),
    ("village-detail", "DELETE"):  row(NA,         NA,       NA,       NA,       NA,       UN),

    # Users: admin, and pmd_auditor for the users of its regency.
    ("user-list", "GET"):          row(403,        403,      200,      403,      200,      401),
    ("user-list", "POST"):         row(403,        403,      201,      403,      201,      401),
    ("user-list", "PUT"):          row(403,        403,      405,      403,      405,      401),
    ("user-list", "PATCH"):        row(403,        403,      405,      403,      405,      401),
    ("user-list", "DELETE"):       row(403,        403,      405,      403,      405,      401),
    ("user-detail", "GET"):        row(NO,         NO,       IN,       NO,       OK,       UN),
    ("user-detail", "POST"):       row(NO,         NO,       NA,       NO,       NA,       UN),
    ("user-detail", "PUT"):        row(NO,         NO,       NA,       NO,       NA,       UN),
    ("user-detail", "PATCH"):      row(NO,         NO,       IN,       NO,       OK,       UN),
    ("user-detail", "DELETE"):     row(NO,         NO,       NA,       NO,       NA,       UN),

    # Members: everyone reads their scope's; the village's operator (and admin) registers and
    # edits; BPJS officers activate and end; a draft can be deleted.
    ("member-list", "GET"):        row(200,        200,      200,      200,      200,      401),
    ("member-list", "POST"):       row(201,        403,      403,      403,      201,      401),
    ("member-list", "PUT"):        row(405,        405,      405,      405,      405,      401),
    ("member-list", "PATCH"):      row(405,        405,      405,      405,      405,      401),
    ("member-list", "DELETE"):     row(405,        405,      405,      405,      405,      401),
    ("member-detail", "GET"):      row(IN,         IN,       IN,       IN,       OK,       UN),
    ("member-detail", "POST"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-detail", "PUT"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-detail", "PATCH"):    row(IN,         NO,       NO,       NO,       OK,       UN),
    ("member-detail", "DELETE"):   row((204, 404), NO,       NO,       NO,       (204, 204), UN),
    ("member-submit", "GET"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-submit", "POST"):     row(IN,         NO,       NO,       NO,       OK,       UN),
    ("member-submit", "PUT"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-submit", "PATCH"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-submit", "DELETE"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-activate", "GET"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-activate", "POST"):   row(IN,         NO,       NO,       IN,       OK,       UN),
    ("member-activate", "PUT"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-activate", "PATCH"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-activate", "DELETE"): row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-end", "GET"):         row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-end", "POST"):        row(IN,         NO,       NO,       IN,       OK,       UN),
    ("member-end", "PUT"):         row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-end", "PATCH"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-end", "DELETE"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-history", "GET"):     row(IN,         IN,       IN,       IN,       OK,       UN),
    ("member-history", "POST"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-history", "PUT"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-history", "PATCH"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("member-history", "DELETE"):  row(NA,         NA,       NA,       NA,       NA,       UN),

    # The rate schedule is public reference data for every user; admins add and close rows.
    ("rate-list", "GET"):          row(200,        200,      200,      200,      200,      401),
    ("rate-list", "POST"):         row(403,        403,      403,      403,      201,      401),
    ("rate-list", "PUT"):          row(405,        405,      405,      405,      405,      401),
    ("rate-list", "PATCH"):        row(405,        405,      405,      405,      405,      401),
    ("rate-list", "DELETE"):       row(405,        405,      405,      405,      405,      401),
    ("rate-detail", "GET"):        row(OK,         OK,       OK,       OK,       OK,       UN),
    ("rate-detail", "POST"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-detail", "PUT"):        row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-detail", "PATCH"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-detail", "DELETE"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-close", "GET"):         row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-close", "POST"):        row(NO,         NO,       NO,       NO,       OK,       UN),
    ("rate-close", "PUT"):         row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-close", "PATCH"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("rate-close", "DELETE"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    # Reliefs are rules like the rates: every user reads them, admins add and close rows.
    ("relief-list", "GET"):        row(200,        200,      200,      200,      200,      401),
    ("relief-list", "POST"):       row(403,        403,      403,      403,      201,      401),
    ("relief-list", "PUT"):        row(405,        405,      405,      405,      405,      401),
    ("relief-list", "PATCH"):      row(405,        405,      405,      405,      405,      401),
    ("relief-list", "DELETE"):     row(405,        405,      405,      405,      405,      401),
    ("relief-detail", "GET"):      row(OK,         OK,       OK,       OK,       OK,       UN),
    ("relief-detail", "POST"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-detail", "PUT"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-detail", "PATCH"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-detail", "DELETE"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-close", "GET"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-close", "POST"):      row(NO,         NO,       NO,       NO,       OK,       UN),
    ("relief-close", "PUT"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-close", "PATCH"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("relief-close", "DELETE"):    row(NA,         NA,       NA,       NA,       NA,       UN),

    # Spreadsheets: anyone may fetch the template and export their scope; editors import.
    ("member-import", "GET"):      row(405,        405,      405,      405,      405,      401),
    ("member-import", "POST"):     row(200,        403,      403,      403,      200,      401),
    ("member-import", "PUT"):      row(405,        405,      405,      405,      405,      401),
    ("member-import", "PATCH"):    row(405,        405,      405,      405,      405,      401),
    ("member-import", "DELETE"):   row(405,        405,      405,      405,      405,      401),
    ("member-import-template", "GET"):    row(200, 200,      200,      200,      200,      401),
    ("member-import-template", "POST"):   row(405, 405,      405,      405,      405,      401),
    ("member-import-template", "PUT"):    row(405, 405,      405,      405,      405,      401),
    ("member-import-template", "PATCH"):  row(405, 405,      405,      405,      405,      401),
    ("member-import-template", "DELETE"): row(405, 405,      405,      405,      405,      401),
    ("member-export", "GET"):      row(200,        200,      200,      200,      200,      401),
    ("member-export", "POST"):     row(405,        405,      405,      405,      405,      401),
    ("member-export", "PUT"):      row(405,        405,      405,      405,      405,      401),
    ("member-export", "PATCH"):    row(405,        405,      405,      405,      405,      401),
    ("member-export", "DELETE"):   row(405,        405,      405,      405,      405,      401),
    # Import jobs: each user sees their own (an admin all); none of the callers made these.
    ("import-job-list", "GET"):    row(200,        200,      200,      200,      200,      401),
    ("import-job-list", "POST"):   row(405,        405,      405,      405,      405,      401),
    ("import-job-list", "PUT"):    row(405,        405,      405,      405,      405,      401),
    ("import-job-list", "PATCH"):  row(405,        405,      405,      405,      405,      401),
    ("import-job-list", "DELETE"): row(405,        405,      405,      405,      405,      401),
    ("import-job-detail", "GET"):    row((404, 404), (404, 404), (404, 404), (404, 404), OK, UN),
    ("import-job-detail", "POST"):   row(NA,       NA,       NA,       NA,       NA,       UN),
    ("import-job-detail", "PUT"):    row(NA,       NA,       NA,       NA,       NA,       UN),
    ("import-job-detail", "PATCH"):  row(NA,       NA,       NA,       NA,       NA,       UN),
    ("import-job-detail", "DELETE"): row(NA,       NA,       NA,       NA,       NA,       UN),

    # Bills: everyone reads their scope's; pmd_auditor and admin generate a month's.
    ("bill-list", "GET"):          row(200,        200,      200,      200,      200,      401),
    ("bill-list", "POST"):         row(405,        405,      405,      405,      405,      401),
    ("bill-list", "PUT"):          row(405,        405,      405,      405,      405,      401),
    ("bill-list", "PATCH"):        row(405,        405,      405,      405,      405,      401),
    ("bill-list", "DELETE"):       row(405,        405,      405,      405,      405,      401),
    ("bill-detail", "GET"):        row(IN,         IN,       IN,       IN,       OK,       UN),
    ("bill-detail", "POST"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("bill-detail", "PUT"):        row(NA,         NA,       NA,       NA,       NA,       UN),
    ("bill-detail", "PATCH"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("bill-detail", "DELETE"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("bill-generate", "GET"):      row(405,        405,      405,      405,      405,      401),
    ("bill-generate", "POST"):     row(403,        403,      200,      403,      200,      401),
    ("bill-generate", "PUT"):      row(405,        405,      405,      405,      405,      401),
    ("bill-generate", "PATCH"):    row(405,        405,      405,      405,      405,      401),
    ("bill-generate", "DELETE"):   row(405,        405,      405,      405,      405,      401),
    # Re-pricing after a rule changed reaches every regency's bills: the nation's admin only.
    ("bill-reprice", "GET"):       row(405,        405,      405,      405,      405,      401),
    ("bill-reprice", "POST"):      row(403,        403,      403,      403,      200,      401),
    ("bill-reprice", "PUT"):       row(405,        405,      405,      405,      405,      401),
    ("bill-reprice", "PATCH"):     row(405,        405,      405,      405,      405,      401),
    ("bill-reprice", "DELETE"):    row(405,        405,      405,      405,      405,      401),

    # Payments: the village's operator (and admin) records; pmd_auditor (and admin) reviews,
    # never the recorder; operator, auditor and admin reverse. Never edited nor deleted.
    ("payment-list", "GET"):       row(200,        200,      200,      200,      200,      401),
    ("payment-list", "POST"):      row(201,        403,      403,      403,      201,      401),
    ("payment-list", "PUT"):       row(405,        405,      405,      405,      405,      401),
    ("payment-list", "PATCH"):     row(405,        405,      405,      405,      405,      401),
    ("payment-list", "DELETE"):    row(405,        405,      405,      405,      405,      401),
    ("payment-detail", "GET"):     row(IN,         IN,       IN,       IN,       OK,       UN),
    ("payment-detail", "POST"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-detail", "PUT"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-detail", "PATCH"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-detail", "DELETE"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-verify", "GET"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-verify", "POST"):    row(NO,         NO,       IN,       NO,       OK,       UN),
    ("payment-verify", "PUT"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-verify", "PATCH"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-verify", "DELETE"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reject", "GET"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reject", "POST"):    row(NO,         NO,       IN,       NO,       OK,       UN),
    ("payment-reject", "PUT"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reject", "PATCH"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reject", "DELETE"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reverse", "GET"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reverse", "POST"):   row(IN,         NO,       IN,       NO,       OK,       UN),
    ("payment-reverse", "PUT"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reverse", "PATCH"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-reverse", "DELETE"): row(NA,         NA,       NA,       NA,       NA,       UN),

    # Arrears per village: read-only, each role its scope's.
    ("arrears-list", "GET"):       row(200,        200,      200,      200,      200,      401),
    ("arrears-list", "POST"):      row(405,        405,      405,      405,      405,      401),
    ("arrears-list", "PUT"):       row(405,        405,      405,      405,      405,      401),
    ("arrears-list", "PATCH"):     row(405,        405,      405,      405,      405,      401),
    ("arrears-list", "DELETE"):    row(405,        405,      405,      405,      405,      401),

    # Budgets: everyone reads their scope's; pmd_auditor and admin set and change them.
    ("budget-list", "GET"):        row(200,        200,      200,      200,      200,      401),
    ("budget-list", "POST"):       row(403,        403,      201,      403,      201,      401),
    ("budget-list", "PUT"):        row(405,        405,      405,      405,      405,      401),
    ("budget-list", "PATCH"):      row(405,        405,      405,      405,      405,      401),
    ("budget-list", "DELETE"):     row(405,        405,      405,      405,      405,      401),
    ("budget-detail", "GET"):      row(IN,         IN,       IN,       IN,       OK,       UN),
    ("budget-detail", "POST"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("budget-detail", "PUT"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("budget-detail", "PATCH"):    row(NO,         NO,       IN,       NO,       OK,       UN),
    ("budget-detail", "DELETE"):   row(NA,         NA,       NA,       NA,       NA,       UN),

    # Benefit claims: everyone reads their scope's; bpjs_officer and admin record them.
    ("claim-list", "GET"):         row(200,        200,      200,      200,      200,      401),
    ("claim-list", "POST"):        row(403,        403,      403,      201,      201,      401),
    ("claim-list", "PUT"):         row(405,        405,      405,      405,      405,      401),
    ("claim-list", "PATCH"):       row(405,        405,      405,      405,      405,      401),
    ("claim-list", "DELETE"):      row(405,        405,      405,      405,      405,      401),
    ("claim-detail", "GET"):       row(IN,         IN,       IN,       IN,       OK,       UN),
    ("claim-detail", "POST"):      row(NA,         NA,       NA,       NA,       NA,       UN),
    ("claim-detail", "PUT"):       row(NA,         NA,       NA,       NA,       NA,       UN),
    ("claim-detail", "PATCH"):     row(NA,         NA,       NA,       NA,       NA,       UN),
    ("claim-detail", "DELETE"):    row(NA,         NA,       NA,       NA,       NA,       UN),
    # Progress: each role reads the villages of its scope.
    ("village-progress", "GET"):   row(IN,         IN,       IN,       IN,       OK,       UN),
    ("village-progress", "POST"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("village-progress", "PUT"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("village-progress", "PATCH"): row(NA,         NA,       NA,       NA,       NA,       UN),
    ("village-progress", "DELETE"): row(NA,        NA,       NA,       NA,       NA,       UN),

    # Reports: every role, cut to its scope; read-only.
    ("report-coverage", "GET"):    row(200,        200,      200,      200,      200,      401),
    ("report-coverage", "POST"):   row(405,        405,      405,      405,      405,      401),
    ("report-coverage", "PUT"):    row(405,        405,      405,      405,      405,      401),
    ("report-coverage", "PATCH"):  row(405,        405,      405,      405,      405,      401),
    ("report-coverage", "DELETE"): row(405,        405,      405,      405,      405,      401),
    ("report-compliance", "GET"):  row(200,        200,      200,      200,      200,      401),
    ("report-compliance", "POST"): row(405,        405,      405,      405,      405,      401),
    ("report-compliance", "PUT"):  row(405,        405,      405,      405,      405,      401),
    ("report-compliance", "PATCH"): row(405,       405,      405,      405,      405,      401),
    ("report-compliance", "DELETE"): row(405,      405,      405,      405,      405,      401),
    ("report-claims", "GET"):      row(200,        200,      200,      200,      200,      401),
    ("report-claims", "POST"):     row(405,        405,      405,      405,      405,      401),
    ("report-claims", "PUT"):      row(405,        405,      405,      405,      405,      401),
    ("report-claims", "PATCH"):    row(405,        405,      405,      405,      405,      401),
    ("report-claims", "DELETE"):   row(405,        405,      405,      405,      405,      401),

    # Notifications: everyone reads and marks their own; another's does not exist, even
    # for an admin.
    ("notification-list", "GET"):  row(200,        200,      200,      200,      200,      401),
    ("notification-list", "POST"): row(405,        405,      405,      405,      405,      401),
    ("notification-list", "PUT"):  row(405,        405,      405,      405,      405,      401),
    ("notification-list", "PATCH"): row(405,       405,      405,      405,      405,      401),
    ("notification-list", "DELETE"): row(405,      405,      405,      405,      405,      401),
    ("notification-detail", "GET"): row(IN,        IN,       IN,       IN,       IN,       UN),
    ("notification-detail", "POST"): row(NA,       NA,       NA,       NA,       NA,       UN),
    ("notification-detail", "PUT"): row(NA,        NA,       NA,       NA,       NA,       UN),
    ("notification-detail", "PATCH"): row(NA,      NA,       NA,       NA,       NA,       UN),
    ("notification-detail", "DELETE"): row(NA,     NA,       NA,       NA,       NA,       UN),
    ("notification-read", "GET"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("notification-read", "POST"): row(IN,         IN,       IN,       IN,       IN,       UN),
    ("notification-read", "PUT"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("notification-read", "PATCH"): row(NA,        NA,       NA,       NA,       NA,       UN),
    ("notification-read", "DELETE"): row(NA,       NA,       NA,       NA,       NA,       UN),
    # Evidence: downloaded through the API, scoped like its payment (never a public URL).
    ("payment-evidence", "GET"):   row(IN,         IN,       IN,       IN,       OK,       UN),
    ("payment-evidence", "POST"):  row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-evidence", "PUT"):   row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-evidence", "PATCH"): row(NA,         NA,       NA,       NA,       NA,       UN),
    ("payment-evidence", "DELETE"): row(NA,        NA,       NA,       NA,       NA,       UN),
}
# fmt: on


_serial = itertools.count(1)


def member_in(village: str, status: str) -> dict:
    """A fresh member of ``village`` whose enrollment is ``status``: URL kwargs for it."""
    number = next(_serial)
    member = Member.objects.create(
        village=Region.objects.get(code=village),
        nik=f"{village[:8].replace('.', '')}{number:010d}",
        full_name=f"Warga {number}",
        birth_date=datetime.date(1980, 1, 1),
        sex="male",
    )
    active = status in ("active", "lapsed")
    Enrollment.objects.create(
        member=member,
        segment="bpu",
        declared_income=1_000_000,
        funding_source="add",
        status=status,
        kpj_number=f"{number:011d}" if active else None,
        effective_from=datetime.date(2025, 1, 1) if active else None,
    )
    return {"pk": member.pk}


def members(status: str):
    """(inside every role's scope, outside all but the admin's), made afresh for each call."""
    return lambda world: (member_in(KWAYANGAN, status), member_in(CIRAHAB, status))


def payments(world):
    """(inside, outside) pending payments, recorded by those villages' operators (who are
    none of the callers, so any caller may review them)."""
    return tuple(
        {
            "pk": payment_record(
                actor=recorder,
                bill=bill_in(recorder.scope.code),
                amount=10_000,
                paid_on=datetime.date(2025, 7, 1),
                method="transfer",
                funding_source="add",
            ).pk
        }
        for recorder in (world.user_inside, world.user_outside)
    )


def evidenced_payments(world):
    """(inside, outside) payments with a PDF as evidence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return tuple(
        {
            "pk": payment_record(
                actor=recorder,
                bill=bill_in(recorder.scope.code),
                amount=10_000,
                paid_on=datetime.date(2025, 7, 1),
                method="transfer",
                funding_source="add",
                evidence=SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%%EOF\n"),
            ).pk
        }
        for recorder in (world.user_inside, world.user_outside)
    )


_year = itertools.count(0)


def budgets(world):
    year = 2030 + next(_year) % 60
    return tuple(
        {
            "pk": Budget.objects.create(
                village=Region.objects.get(code=code), year=year, funding_source="add", amount=1
            ).pk
        }
        for code in (KWAYANGAN, CIRAHAB)
    )


def claims(world):
    return tuple(
        {
            "pk": BenefitClaim.objects.create(
                member_id=member_in(code, "active")["pk"],
                benefit="jkk",
                event_date=datetime.date(2025, 6, 1),
                paid_on=datetime.date(2025, 6, 10),
                amount=1_000_000,
                beneficiary_name="Ahli Waris",
                recorded_by=world.user_inside,
            ).pk
        }
        for code in (KWAYANGAN, CIRAHAB)
    )


def notifications(world, caller):
    """One of the caller's own notifications, and one of somebody else's."""
    from contributions.models import Notification

    owner = world.callers[caller] or world.guest

    def make(user):
        return Notification.objects.create(
            recipient=user,
            channel="in_app",
            key=f"test:{next(_serial)}",
            kind="arrears",
            subject="Iuran",
            body="Iuran jatuh tempo",
            status="sent",
        )

    return {"pk": make(owner).pk}, {"pk": make(world.user_outside).pk}


# The objects each object endpoint is called with: URL kwargs for (inside, outside).
# Called once per caller, so the members are fresh for each one.
OBJECTS = {
    "region-detail": lambda world: ({"code": KWAYANGAN}, {"code": CIRAHAB}),
    "village-detail": lambda world: ({"code": KWAYANGAN}, {"code": CIRAHAB}),
    "user-detail": lambda world: (
        {"pk": world.user_inside.pk},
        {"pk": world.user_outside.pk},
    ),
    "member-detail": members("draft"),
    "member-submit": members("draft"),
    "member-activate": members("submitted"),
    "member-end": members("active"),
    "member-history": members("active"),
    "village-progress": lambda world: ({"code": KWAYANGAN}, {"code": CIRAHAB}),
    "notification-detail": lambda world, caller: notifications(world, caller),
    "notification-read": lambda world, caller: notifications(world, caller),
    "import-job-detail": lambda world: tuple(
        {"pk": ImportJob.objects.create(created_by=user, filename="anggota.csv").pk}
        for user in (world.user_inside, world.user_outside)
    ),
    "rate-detail": lambda world: tuple(
        {"pk": pk} for pk in Rate.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ),
    "rate-close": lambda world: tuple(
        {"pk": pk} for pk in Rate.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ),
    "relief-detail": lambda world: tuple(
        {"pk": pk} for pk in Relief.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ),
    "relief-close": lambda world: tuple(
        {"pk": pk} for pk in Relief.objects.order_by("pk").values_list("pk", flat=True)[:2]
    ),
    "bill-detail": lambda world: ({"pk": bill_in(KWAYANGAN).pk}, {"pk": bill_in(CIRAHAB).pk}),
    "payment-detail": payments,
    "payment-evidence": evidenced_payments,
    "payment-verify": payments,
    "payment-reject": payments,
    "payment-reverse": payments,
    "budget-detail": budgets,
    "claim-detail": claims,
}


@pytest.fixture(autouse=True)
def clear_login_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(make_user):
    """One caller per role (default test scopes) and the objects the matrix calls on."""
    return SimpleNamespace(
        callers={
            **{role: make_user(Role(role), username=f"pemanggil_{role}") for role in ROLES},
            ANON: None,
        },
        # Whose credentials an anonymous caller logs in with.
        guest=make_user(Role.VILLAGE_OPERATOR, username="tamu"),
        # A user inside every role's scope (Kwayangan), and one in Banyumas.
        user_inside=make_user(Role.VILLAGE_OPERATOR, KWAYANGAN, username="sasaran_dalam"),
        user_outside=make_user(Role.VILLAGE_OPERATOR, CIRAHAB, username="sasaran_luar"),
    )


def request_body(name: str, method: str, world, caller: str) -> dict:
    """A body that would succeed if the caller may make the call."""
    user = world.callers[caller] or world.guest
    if name == "token-obtain":
        return {"username": user.username, "password": PASSWORD}
    if name == "token-refresh":
        return {"refresh": str(RefreshToken.for_user(user))}
    if (name, method) == ("user-list", "POST"):
        return {
            "username": f"baru_{caller}",
            "password": "Rahasia-Desa-2025",
            "role": "village_operator",
            "scope_code": KWAYANGAN,
        }
    if name == "user-detail":
        return {"phone": "081200000000"}
    if name == "village-detail":
        return {"rentan_target": 120}
    if (name, method) == ("member-list", "POST"):
        serial = CALLERS.index(caller) + 1
        return {
            "village": KWAYANGAN,
            "nik": f"3326134507850{serial:03d}",
            "full_name": "Siti Aminah",
            "birth_date": "1985-07-05",
            "sex": "female",
            "roles": [{"category": "bpd", "position": "Ketua BPD"}],
            "enrollment": {
                "segment": "bpu",
                "programs": ["jkk", "jkm"],
                "declared_income": 1000000,
                "funding_source": "add",
            },
        }
    if name == "member-detail":
        return {"phone": "081200000000"}
    if name == "member-activate":
        return {"kpj_number": f"9{next(_serial):010d}", "effective_from": "2025-01-01"}
    if name == "member-end":
        return {"reason": "resigned", "date": "2025-06-30"}
    if (name, method) == ("bill-generate", "POST"):
        return {"period": "2025-07", "regency": KAB_PEKALONGAN}
    if (name, method) == ("bill-reprice", "POST"):
        return {"period_from": "2025-07", "period_to": "2025-07", "regency": KAB_PEKALONGAN}
    if (name, method) == ("rate-list", "POST"):
        # A JP row before the schedule's first (2023): it overlaps no row in force.
        return {
            "program": "jp",
            "segment": "pu",
            "basis": "percent_of_wage",
            "employer_value": "2.00",
            "worker_value": "1.00",
            "base_max": 8_000_000,
            "effective_from": "2022-01-01",
            "effective_to": "2022-12-31",
            "source": "a test row",
        }
    if (name, method) == ("relief-list", "POST"):
        return {
            "name": "a test relief",
            "segment": "bpu",
            "programs": ["jkk"],
            "percent_off": 10,
            "effective_from": "2040-01-01",
            "source": "a test row",
        }
    if name in ("rate-close", "relief-close"):
        return {"effective_to": "2026-12-31", "source": "a test closing"}
    if (name, method) == ("payment-list", "POST"):
        bill = bill_in(KWAYANGAN)
        return {
            "village": KWAYANGAN,
            "bill": bill.pk,
            "amount": 10_000,
            "paid_on": "2025-07-01",
            "method": "transfer",
            "funding_source": "add",
        }
    if name == "payment-reject":
        return {"note": "bukti tidak terbaca"}
    if name == "payment-reverse":
        return {"reason": "salah input"}
    if (name, method) == ("budget-list", "POST"):
        return {
            "village": KWAYANGAN,
            "year": 2030 + CALLERS.index(caller),
            "funding_source": "add",
            "amount": 1_000_000,
        }
    if name == "budget-detail":
        return {"amount": 2_000_000}
    if (name, method) == ("claim-list", "POST"):
        return {
            "member": member_in(KWAYANGAN, "active")["pk"],
            "benefit": "jkk",
            "event_date": "2025-06-01",
            "paid_on": "2025-06-10",
            "amount": 1_000_000,
            "beneficiary_name": "Ahli Waris",
        }
    return {}


def call(api, world, caller: str, name: str, method: str, kwargs: dict | None) -> int:
    client = api(world.callers[caller])
    url = reverse(name, kwargs=kwargs)
    if (name, method) == ("member-import", "POST"):
        # A file of one row with a mistake: read and answered (200), nothing kept.
        row = f"{KWAYANGAN},3326134507850001,Siti Aminah,1985-07-05,female,lurah\n"
        file = SimpleUploadedFile("anggota.csv", (IMPORT_HEADER + row).encode())
        return client.post(url, {"file": file}, format="multipart").status_code
    body = request_body(name, method, world, caller)
    # A payment (it carries a file) is multipart; every other body is JSON.
    media = "multipart" if (name, method) == ("payment-list", "POST") else "json"
    return getattr(client, method.lower())(url, body, format=media).status_code


IMPORT_HEADER = "village,nik,full_name,birth_date,sex,category\n"


def api_url_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, URL kwargs) of every URL pattern under /api/v1/, found by the resolver."""
    return [
        described(pattern, route)
        for pattern, route, _namespaces in resolver_patterns()
        if route.lstrip("^").startswith(API_PREFIX)
    ]


# --- the table is complete ----------------------------------------------------------------


def test_every_api_url_is_in_the_matrix():
    # Given every URL pattern the resolver knows under /api/v1/
    patterns = api_url_patterns()
    assert len(patterns) >= 12, patterns

    # Then each has a name and a row for each of its methods, and those that address an
    # object are called with one inside and one outside the scope
    assert_matrix_complete(patterns, MATRIX, OBJECTS, METHODS, "API")


def test_the_matrix_has_no_stale_rows():
    names = {name for name, _route, _kwargs in api_url_patterns()}

    stale = sorted({name for name, _method in MATRIX} - names)
    assert stale == [], f"MATRIX rows for URLs that no longer exist: {stale}"
    assert set(OBJECTS) <= names
    for key, cells in MATRIX.items():
        assert tuple(cells) == CALLERS, key
        assert key[1] in METHODS, key


# --- every endpoint, method and role ---------------------------------------------------


@pytest.mark.parametrize(("name", "method"), list(MATRIX), ids=lambda v: str(v))
def test_each_role_gets_the_status_of_the_matrix(api, world, name, method):
    # Given a caller of each role, when each makes the call (on an object inside and one
    # outside its scope, where the URL addresses one)
    expected = MATRIX[(name, method)]
    actual = {}
    for caller in CALLERS:
        if name in OBJECTS:
            factory = OBJECTS[name]
            takes_caller = factory.__code__.co_argcount == 2
            inside, outside = factory(world, caller) if takes_caller else factory(world)
            actual[caller] = (
                call(api, world, caller, name, method, inside),
                call(api, world, caller, name, method, outside),
            )
        else:
            actual[caller] = call(api, world, caller, name, method, None)

    # Then each gets what the matrix says
    assert actual == expected


# --- lists and objects never leak ------------------------------------------------------


def in_scope(code: str | None, scope: str | None) -> bool:
    """Whether a region code lies in a scope (None: the nation), by the dotted prefix."""
    if scope is None:
        return True
    return code is not None and (code == scope or code.startswith(scope + "."))


@pytest.fixture
def population(make_user):
    """Users all over: in Kab. Pekalongan and around it, and look-alike codes elsewhere."""
    specs = [
        (Role.VILLAGE_OPERATOR, KWAYANGAN),
        (Role.VILLAGE_OPERATOR, BLACANAN),
        (Role.DISTRICT_VIEWER, KEDUNGWUNI),
        (Role.DISTRICT_VIEWER, "33.26.17"),
        (Role.PMD_AUDITOR, KAB_PEKALONGAN),
        (Role.BPJS_OFFICER, KAB_PEKALONGAN),
        (Role.VILLAGE_OPERATOR, CIRAHAB),
        (Role.DISTRICT_VIEWER, "33.02.01"),
        (Role.PMD_AUDITOR, BANYUMAS),
        (Role.VILLAGE_OPERATOR, MEDONO),
        (Role.BPJS_OFFICER, "33.75"),
        (Role.DISTRICT_VIEWER, "35.26.13"),  # Bangkalan: the same digits, another province
        (Role.ADMIN, None),
    ]
    return [
        make_user(role, scope, username=f"warga_{index:02d}")
        for index, (role, scope) in enumerate(specs)
    ]


def sample_villages() -> list[str]:
    """Villages at every distance from Kwayangan: same district, regency, province, nation."""
    # 35.26.13.2008 is Kwayangan's code in another province (Pacentan, Kab. Bangkalan).
    samples = {KWAYANGAN, BLACANAN, CIRAHAB, MEDONO, "35.26.13.2008"}
    villages = Region.objects.filter(level=Level.VILLAGE)
    for prefix in ("33.26.13.", "33.26.", "33.02.", "31."):
        samples.add(villages.filter(code__startswith=prefix).order_by("-code").first().code)
    return sorted(samples)


VILLAGE_FILTERS = [
    {},
    {"province": "33"},
    {"regency": BANYUMAS},
    {"district": "33.02.01"},
    {"regency": KAB_PEKALONGAN},
    {"search": "Cirahab"},
    {"search": "33.0"},
    {"search": CIRAHAB},
    {"kind": "kelurahan"},
]


@pytest.mark.parametrize("role", ROLES)
def test_villages_list_only_the_callers_scope(api, make_user, role):
    # Given a caller of this role
    scope = DEFAULT_SCOPE[role]
    client = api(make_user(Role(role)))

    # When they list villages with any filter, including ones pointing elsewhere
    for params in VILLAGE_FILTERS:
        response = client.get("/api/v1/villages/", {**params, "page_size": 500})
        assert response.status_code == 200, params

        # Then every village returned lies inside their scope
        returned = [r["code"] for r in response.json()["results"]]
        leaked = [code for code in returned if not in_scope(code, scope)]
        assert leaked == [], (params, leaked)

    # And, unfiltered, they get all of the villages inside it (none missing)
    if scope is not None:
        expected = set(
            Region.objects.filter(level=Level.VILLAGE, code__startswith=scope + ".").values_list(
                "code", flat=True
            )
        ) | ({scope} if len(scope) == 13 else set())
        response = client.get("/api/v1/villages/", {"page_size": 500})
        assert {r["code"] for r in response.json()["results"]} == expected
        assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_village_details_exist_only_inside_the_callers_scope(api, make_user, role):
    scope = DEFAULT_SCOPE[role]
    client = api(make_user(Role(role)))

    actual = {
        code: client.get(f"/api/v1/villages/{code}/").status_code for code in sample_villages()
    }

    expected = {code: 200 if in_scope(code, scope) else 404 for code in actual}
    assert actual == expected


USER_FILTERS = [
    {},
    {"scope": BANYUMAS},
    {"scope": "33"},
    {"role": "pmd_auditor"},
    {"role": "admin"},
    {"search": "warga"},
    {"is_active": "true"},
]


@pytest.mark.parametrize("role", ROLES)
def test_users_list_only_the_callers_scope(api, population, make_user, role):
    # Given users all over the country, and a caller of this role
    scope = DEFAULT_SCOPE[role]
    client = api(make_user(Role(role), username="pemanggil"))
    everyone = population + [User.objects.get(username="pemanggil")]

    for params in USER_FILTERS:
        response = client.get("/api/v1/users/", {**params, "page_size": 500})

        # Then roles that do not manage users see nothing at all
        if role not in (PMD, ADMIN):
            assert response.status_code == 403, params
            assert "results" not in response.json()
            continue

        # And the others only see users whose scope lies inside theirs
        assert response.status_code == 200, params
        leaked = [
            (r["username"], r["scope_code"])
            for r in response.json()["results"]
            if not in_scope(r["scope_code"], scope)
        ]
        assert leaked == [], (params, leaked)

    # And, unfiltered, they see every such user
    if role in (PMD, ADMIN):
        response = client.get("/api/v1/users/", {"page_size": 500})
        expected = {
            u.username for u in everyone if in_scope(u.scope.code if u.scope else None, scope)
        }
        assert {r["username"] for r in response.json()["results"]} == expected


@pytest.mark.parametrize("role", ROLES)
def test_user_details_exist_only_inside_the_callers_scope(api, population, make_user, role):
    scope = DEFAULT_SCOPE[role]
    client = api(make_user(Role(role)))

    actual = {
        user.username: client.get(f"/api/v1/users/{user.pk}/").status_code for user in population
    }

    if role in (PMD, ADMIN):
        expected = {
            user.username: 200 if in_scope(user.scope and user.scope.code, scope) else 404
            for user in population
        }
    else:
        expected = {user.username: 403 for user in population}
    assert actual == expected
