from django.core.management import call_command


class TestOpenApiSchema:
    def test_it_generates_a_valid_schema_without_warnings(self, tmp_path, db):
        # Fails on any warning: an endpoint the schema cannot describe is one integrators cannot use.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
        schema = (tmp_path / "schema.yaml").read_text()
        for path in (
            "/api/v1/bookings/",
            "/api/v1/machines/{id}/availability/",
            "/api/v1/invoices/{id}/pdf/",
            "/api/v1/workshops/registrations/",
            "/api/v1/credits/contributions/",
        ):
            assert f"{path}:" in schema
