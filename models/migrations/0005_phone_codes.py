from tortoise import migrations
from tortoise.migrations import operations as ops
from models.migrations._operations import AlterDescription
from models.phone_codes import CodePurpose
from models.privacy import NotificationTopic
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_jobs_and_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PhoneCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('data_key', fields.ForeignKeyField('models.DataKey', source_field='data_key_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='REGISTER: REGISTER\nPHONE_CHANGE: PHONE_CHANGE', enum_type=CodePurpose, max_length=12)),
                ('phone_sealed', fields.BinaryField(null=True)),
                ('phone_hash', fields.CharField(null=True, db_index=True, max_length=64)),
                ('code_hash', fields.CharField(null=True, max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'phone_code', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        AlterDescription(
            model_name='Notification',
            name='topic',
            field=fields.CharEnumField(description='POLICY_UPDATE: POLICY_UPDATE\nINCIDENT: INCIDENT\nSECURITY: SECURITY', enum_type=NotificationTopic, max_length=16),
        ),
        ops.AlterModelOptions(
            name='OutboxMessage',
            options={'table': 'outbox_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A notification or a one-time code waiting for the delivery job (api/notices/delivery.py)'},
        ),
        ops.AlterField(
            model_name='OutboxMessage',
            name='notification',
            field=fields.ForeignKeyField('models.Notification', source_field='notification_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='body_sealed',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='phone_code',
            field=fields.ForeignKeyField('models.PhoneCode', source_field='phone_code_id', null=True, db_constraint=True, to_field='id', related_name='outbox', on_delete=OnDelete.CASCADE),
        ),
    ]
