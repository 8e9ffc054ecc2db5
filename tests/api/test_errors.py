import pytest
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    return body


class TestProblemDetails:
    def test_it_answers_401_with_a_problem_when_no_credentials_are_given(self, client):
        response = client.get("/api/v1/me/")
        assert_problem(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"

    def test_it_answers_a_bad_token_with_401(self, client):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope")
        assert_problem(response, 401, "authentication_failed")

    def test_it_lists_field_errors_for_invalid_input(self, client):
        response = client.post("/api/v1/auth/token/", {"email": "not-an-email"}, content_type="application/json")
        body = assert_problem(response, 400, "invalid")
        assert set(body["errors"]) == {"email", "password"}

    def test_it_answers_malformed_json_with_400(self, client):
        response = client.post("/api/v1/auth/token/", "{nope", content_type="application/json")
        assert_problem(response, 400, "parse_error")

    def test_it_answers_an_unknown_lab_with_a_404_problem(self, client):
        assert_problem(client.get("/api/v1/labs/atlantis/"), 404, "not_found")

    def test_it_answers_an_unknown_api_path_with_a_404_problem(self, client):
        assert_problem(client.get("/api/v1/no-such-thing/"), 404, "not_found")

    def test_it_answers_a_method_not_allowed_with_405(self, client):
        assert_problem(client.delete("/api/v1/labs/"), 405, "method_not_allowed")

    def test_it_throttles_with_429_and_retry_after(self, client, monkeypatch):
        rates = {"anon": "2/minute", "user": "2/minute", "auth": "2/minute"}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
        for _ in range(2):
            assert client.get("/api/v1/labs/").status_code == 200
        response = client.get("/api/v1/labs/")
        assert_problem(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
