from django.db import migrations


def seed(apps, schema_editor):
    from workflow.services.esf import indicator_seed_defaults

    indicator_seed_defaults(model=apps.get_model("workflow", "IndicatorDefinition"))


class Migration(migrations.Migration):
    dependencies = [("workflow", "0005_meeting_documents_esf_indicators")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
