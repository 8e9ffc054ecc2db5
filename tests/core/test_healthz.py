import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


class TestHealthz:
    def test_it_answers_ok_when_the_database_answers(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    def test_it_answers_503_when_the_database_is_unreachable(self, client, monkeypatch):
        def broken_cursor(*args, **kwargs):
            raise OperationalError("connection refused")

        from django.db import connection

        monkeypatch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"] == "unreachable"
