"""Who may read an attachment (`attachment_may_see`): the accountant and the cashier read the
invoices of every submitted spending request, task or not; a draft's stay the applicant's,
and nobody else's post opens them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from apps.approvals.services import process_define
from apps.attachments.services import attachments_lock
from apps.expenditure.services import request_attach, request_create, request_submit
from permissions.models import StaffMember
from tests.apps.budget.helpers import department_make, indicator_make
from tests.apps.expenditure.helpers import PDF, received
from tests.conftest import api_client
from tests.factories import staff_make

pytestmark = pytest.mark.django_db

# Only the leader has a task: the finance office reads the invoices by its posts alone.
ROUTE = [{"name": "分管领导审批", "post_code": "leader", "mode": "any"}]


@pytest.fixture
def office(town_a):
    people = {post: staff_make(town_a, posts=(post,)).user
              for post in ("handler", "accountant", "cashier", "leader")}
    with schema_context(town_a.schema_name):
        process_define(actor=None, document_type="spending_request", name="支出审批",
                       steps=ROUTE)
        line = indicator_make(amount="10000.00")
    return people, line


def invoice_of(tenant, office, *, submit: bool) -> int:
    """The id of an invoice attached to the handler's request, submitted unless told not."""
    people, line = office
    with schema_context(tenant.schema_name):
        spending = request_create(actor=people["handler"], amount="800.00",
                                  purpose="购买办公用品", indicator_id=line.pk)
        invoice = request_attach(actor=people["handler"], request_id=spending.pk,
                                 received=received(PDF, "发票.pdf"), kind="invoice")
        if submit:
            request_submit(actor=people["handler"], request_id=spending.pk)
    return invoice.pk


def download(tenant, user, attachment_id: int):
    client = api_client(tenant)
    client.force_authenticate(user)
    return client.get(f"/api/v1/attachments/{attachment_id}/download/")


@pytest.mark.parametrize("post", ["accountant", "cashier"])
def test_the_finance_office_downloads_a_submitted_requests_invoice(town_a, office, post):
    invoice = invoice_of(town_a, office, submit=True)

    response = download(town_a, office[0][post], invoice)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("post", ["accountant", "cashier"])
def test_a_drafts_invoice_stays_the_applicants(town_a, office, post):
    invoice = invoice_of(town_a, office, submit=False)

    by_finance = download(town_a, office[0][post], invoice)
    by_applicant = download(town_a, office[0]["handler"], invoice)

    assert (by_finance.status_code, by_finance.json()["code"]) == (404, "not_found")
    assert by_applicant.status_code == 200


def test_a_handler_of_another_department_cannot_read_a_submitted_invoice(town_a, office):
    invoice = invoice_of(town_a, office, submit=True)
    other = staff_make(town_a, posts=("handler",))
    with schema_context(town_a.schema_name):
        # No service moves staff between departments yet.
        StaffMember.objects.filter(pk=other.pk).update(department=department_make())

    response = download(town_a, other.user, invoice)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_another_documents_locked_attachment_stays_closed_to_the_finance_office(
        town_a, office):
    people, _ = office
    uploader = api_client(town_a)
    uploader.force_authenticate(people["handler"])
    attachment = uploader.post("/api/v1/attachments/", {
        "file": SimpleUploadedFile("用印.pdf", PDF), "kind": "scan", "object_type": "seal_use",
        "object_id": "5"}, format="multipart").json()
    with schema_context(town_a.schema_name):
        attachments_lock(object_type="seal_use", object_id="5")

    by_cashier = download(town_a, people["cashier"], attachment["id"])

    assert by_cashier.status_code == 404


def test_another_tenants_cashier_cannot_read_it(town_a, town_b, office):
    invoice = invoice_of(town_a, office, submit=True)
    foreign = staff_make(town_b, posts=("cashier",)).user

    on_their_host = download(town_b, foreign, invoice)
    on_ours = download(town_a, foreign, invoice)

    assert on_their_host.status_code == 404
    assert (on_ours.status_code, on_ours.json()["code"]) == (403, "not_a_member")
