"""Trusted documents: the GraphQL documents an operator allowed (`consentql documents add`), the
only ones a deployment with CONSENTQL_TRUSTED_DOCUMENTS_ONLY runs."""

from tortoise import fields
from tortoise.models import Model

from models.personal import personal_data


@personal_data(
    operational={
        "sha256": "the digest of the document's text",
        "document": "a GraphQL document from the frontends' source, written by developers",
        "source": "the file it was read from",
        "added_at": "when it was added",
    },
    owner="",
)
class TrustedDocument(Model):
    """A document allowed to run, keyed by the SHA-256 of its text (hex), as clients send it."""

    sha256 = fields.CharField(max_length=64, primary_key=True)
    document = fields.TextField()
    # The file it was read from, for the operator; never shown to clients.
    source = fields.CharField(max_length=255)
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trusted_document"
