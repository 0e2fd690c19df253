from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_partner_accounts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='PolicyAcceptance',
            name='evidence_ip',
            field=fields.CharField(null=True, max_length=45),
        ),
        ops.AddField(
            model_name='PolicyAcceptance',
            name='evidence_user_agent',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AlterModelOptions(
            name='PolicyVersion',
            options={'table': 'policy_version', 'app': 'models', 'pk_attr': 'id', 'table_description': "A published privacy policy: its text, digest and the controller's contact (P-CONTACT-1)."},
        ),
        ops.AddField(
            model_name='PolicyVersion',
            name='text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AlterModelOptions(
            name='PublicNotice',
            options={'table': 'public_notice', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A notice on the site, of an incident (P-SEC-6) or of a policy version (P-UPDATE-1).'},
        ),
        ops.AddField(
            model_name='PublicNotice',
            name='policy_version',
            field=fields.ForeignKeyField('models.PolicyVersion', source_field='policy_version_id', null=True, db_constraint=True, to_field='id', related_name='public_notices', on_delete=OnDelete.RESTRICT),
        ),
    ]
