"""Invitations that let the staff of a partner company register a PARTNER account.

An admin invites; the token is shown once and kept only as a digest; it expires and serves one
registration.
"""

from tortoise import fields
from tortoise.models import Model

from models.personal import personal_data


@personal_data(
    operational={
        "id": "the invitation's number",
        "affiliate_id": "the partner company",
        "token_hash": "the digest of a random token",
        "invited_by_id": "the admin who invited",
        "created_at": "when",
        "expires_at": "until when it can be used",
        "accepted_at": "when it was used",
        "account_id": "the account registered through it",
    },
    owner="",
)
class PartnerInvitation(Model):
    id = fields.IntField(primary_key=True)
    affiliate = fields.ForeignKeyField(
        "models.Affiliate", related_name="partner_invitations", on_delete=fields.RESTRICT
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    # The account registered through it.
    account = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "partner_invitation"
