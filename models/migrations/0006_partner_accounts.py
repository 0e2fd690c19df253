from tortoise import migrations
from tortoise.migrations import operations as ops
from models.migrations._operations import AlterDescription
from models.accounts import Role
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_phone_codes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PartnerInvitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('affiliate', fields.ForeignKeyField('models.Affiliate', source_field='affiliate_id', db_constraint=True, to_field='id', related_name='partner_invitations', on_delete=OnDelete.RESTRICT)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('invited_by', fields.ForeignKeyField('models.Account', source_field='invited_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'partner_invitation', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        AlterDescription(
            model_name='Account',
            name='role',
            field=fields.CharEnumField(default=Role.USER, description='USER: USER\nADMIN: ADMIN\nPARTNER: PARTNER', enum_type=Role, max_length=8),
        ),
        ops.AddField(
            model_name='Account',
            name='partner_of',
            field=fields.ForeignKeyField('models.Affiliate', source_field='partner_of_id', null=True, db_constraint=True, to_field='id', related_name='partner_accounts', on_delete=OnDelete.RESTRICT),
        ),
    ]
