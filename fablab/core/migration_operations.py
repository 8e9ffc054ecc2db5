from django.db import migrations


class RunSQLPerVendor(migrations.RunSQL):
    """RunSQL with one statement list per database vendor (postgresql, sqlite)."""

    def __init__(self, *, forwards, backwards):
        self.forwards = forwards
        self.backwards = backwards
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return self.__class__.__name__, [], {"forwards": self.forwards, "backwards": self.backwards}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for statement in self.forwards.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for statement in self.backwards.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)
