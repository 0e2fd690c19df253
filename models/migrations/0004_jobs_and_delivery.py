from tortoise import migrations
from tortoise.migrations import operations as ops
from models.migrations._operations import AlterDescription
import functools
from json import dumps, loads
from models.privacy import Channel, DeliveryStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_do_not_track_preference')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ScheduledJob',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(null=True, max_length=128)),
                ('lease_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_run_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_success_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_failure_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=128)),
                ('last_summary', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('last_holder', fields.CharField(null=True, max_length=128)),
                ('successes', fields.IntField(default=0)),
                ('failures', fields.IntField(default=0)),
                ('consecutive_failures', fields.IntField(default=0)),
            ],
            options={'table': 'scheduled_job', 'app': 'models', 'pk_attr': 'name', 'table_description': 'The lease and the last runs of one job, with no personal data (counts, error class names).'},
            bases=['Model'],
        ),
        AlterDescription(
            model_name='Notification',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: EMAIL\nSMS: SMS\nPUSH: PUSH\nIN_APP: IN_APP\nLETTER: LETTER', enum_type=Channel, max_length=8),
        ),
        AlterDescription(
            model_name='Notification',
            name='status',
            field=fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nQUEUED: QUEUED\nDELIVERED: DELIVERED\nSENT: SENT\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=10),
        ),
        ops.AddField(
            model_name='Notification',
            name='failure_reason',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AlterModelOptions(
            name='OutboxMessage',
            options={'table': 'outbox_message', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A notification waiting for the delivery job (api/notices/delivery.py) to send it.'},
        ),
        AlterDescription(
            model_name='OutboxMessage',
            name='channel',
            field=fields.CharEnumField(description='EMAIL: EMAIL\nSMS: SMS\nPUSH: PUSH\nIN_APP: IN_APP\nLETTER: LETTER', enum_type=Channel, max_length=8),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='failed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='last_error',
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='next_attempt_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
