from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index
from tortoise import connections

from models.audit_legacy import cut_over


async def cut_over_legacy_events(apps, schema_editor):
    # The current client: on SQLite the operation's transaction, not the editor's own client.
    await cut_over(connections.get(schema_editor.client.connection_name))


class Migration(migrations.Migration):
    dependencies = [('models', '0009_client_rotation_and_trusted_documents')]

    initial = False

    operations = [
        # The old events stay where they are, verifiable by their own hash chain.
        ops.RenameModel(old_name='AuditEvent', new_name='LegacyAuditEvent'),
        ops.CreateModel(
            name='AuditChain',
            fields=[
                # generated=False by hand: Tortoise 1.1.9's writer leaves it out of a primary key.
                ('id', fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('last_position', fields.BigIntField(default=0)),
                ('last_mac', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_chain', 'app': 'models', 'pk_attr': 'id', 'table_description': "One chain's head: the position and MAC of its last link. Appenders lock it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chain_id', fields.IntField()),
                ('link_position', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('viewer_kind', fields.CharField(max_length=16)),
                ('viewer_ref', fields.CharField(max_length=32)),
                ('subject_ref', fields.CharField(db_index=True, max_length=32)),
                ('action', fields.CharField(max_length=32)),
                ('categories_clear', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('categories_masked', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('categories_blocked', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('basis', fields.CharField(default='', max_length=255)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'indexes': [Index(fields=['chain_id', 'link_position', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditLink',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('chain_id', fields.IntField()),
                ('position', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('entries', fields.IntField()),
                ('digest', fields.CharField(max_length=64)),
                ('prev_mac', fields.CharField(max_length=64)),
                ('key_id', fields.CharField(max_length=16)),
                ('legacy_position', fields.BigIntField(null=True)),
                ('legacy_hash', fields.CharField(null=True, max_length=64)),
                ('mac', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_link', 'app': 'models', 'unique_together': (('chain_id', 'position'),), 'pk_attr': 'id', 'table_description': 'One committed batch of entries on one chain.'},
            bases=['Model'],
        ),
        # Old events into the entries (same ids), under the first link of chain 1, which pins
        # the old chain's last position and hash (models/audit_legacy.py).
        ops.RunPython(cut_over_legacy_events),
        ops.DeleteModel(name='AuditChainHead'),
    ]
