from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_account_duties')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='do_not_track',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Account',
            name='do_not_track_set_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Account',
            name='do_not_track_source',
            field=fields.CharField(null=True, max_length=8),
        ),
    ]
