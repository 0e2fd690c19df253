from tortoise import migrations
from tortoise.migrations import operations as ops
from models.migrations._operations import AlterDescription
import functools
from json import dumps, loads
from models.privacy import NotificationTopic, TransferOutcome
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_policy_texts')]

    initial = False

    operations = [
        AlterDescription(
            model_name='Notification',
            name='topic',
            field=fields.CharEnumField(description='POLICY_UPDATE: POLICY_UPDATE\nINCIDENT: INCIDENT\nSECURITY: SECURITY\nTRANSFER: TRANSFER\nTRANSFER_CONSENT: TRANSFER_CONSENT', enum_type=NotificationTopic, max_length=16),
        ),
        ops.AddField(
            model_name='Notification',
            name='transfer',
            field=fields.ForeignKeyField('models.Transfer', source_field='transfer_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Transfer',
            name='categories',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Transfer',
            name='commitment_digest',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Transfer',
            name='commitment_reference',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Transfer',
            name='commitment_signed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Transfer',
            name='commitment_signed_by',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='Transfer',
            name='commitment_text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AlterModelOptions(
            name='TransferSubject',
            options={'table': 'transfer_subject', 'app': 'models', 'unique_together': (('transfer', 'account'),), 'pk_attr': 'id', 'table_description': 'One person in a transfer: moved under their consent, asked, or refused.'},
        ),
        AlterDescription(
            model_name='TransferSubject',
            name='outcome',
            field=fields.CharEnumField(description='MOVED: MOVED\nNEEDS_CONSENT: NEEDS_CONSENT\nREFUSED: REFUSED', enum_type=TransferOutcome, max_length=16),
        ),
        ops.AddField(
            model_name='TransferSubject',
            name='responded_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
