"""Addresses of custom servers and endpoint variables: usable, or one sentence why not."""

from __future__ import annotations

import pytest

from desktop.core.base_urls import UrlProblem, check_env_url, shown, split_credentials, url_problem
from desktop.core.table import Endpoints
from desktop.store.settings import CustomEndpoint, Settings, SettingsError


@pytest.mark.parametrize(
    "url", ["http://localhost:11434/v1", "https://api.example.com/v1", "http://[::1]:8000/v1"]
)
def test_ordinary_addresses_are_fine(url: str) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://host/v1", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("http:///v1", "names no server"),
        ("http://host/v1?key=1", "no '?' or '#'"),
        ("http://host/v1#x", "no '?' or '#'"),
        ("http://user:pw@host/v1", "key field"),
        ("http://host:notaport/v1", "not a valid web address"),
    ],
)
def test_unusable_addresses_say_why(url: str, why: str) -> None:
    problem = url_problem(url)
    assert problem is not None and why in problem
    assert "pw" not in (problem or "")


def test_keys_are_split_out_of_addresses_and_never_shown() -> None:
    assert split_credentials("http://bob:s3cret@host:8000/v1") == ("http://host:8000/v1", "s3cret")
    assert split_credentials("https://sk-abc@host/v1") == ("https://host/v1", "sk-abc")
    assert split_credentials("http://host/v1") == ("http://host/v1", None)
    assert "s3cret" not in shown("http://bob:s3cret@host/v1")


def test_settings_refuse_bad_addresses_in_one_sentence() -> None:
    settings = Settings()
    for url in ("ftp://x/v1", "http://u:secret@x/v1", "http://x/v1?a=b"):
        with pytest.raises(SettingsError) as caught:
            settings.add_custom(CustomEndpoint("lab", url))
        assert "secret" not in str(caught.value)
    assert settings.custom_endpoints == []


@pytest.mark.parametrize(
    "variable", ["HF_ENDPOINT", "SWITCHBOARD_ROUTER_URL", "SWITCHBOARD_GROQ_URL"]
)
def test_a_bad_endpoint_variable_names_itself(variable: str) -> None:
    with pytest.raises(UrlProblem) as caught:
        Endpoints.from_env({variable: "htp:/nowhere"})
    assert variable in str(caught.value) and "unset it" in str(caught.value)
    with pytest.raises(UrlProblem) as hidden:
        check_env_url(variable, "http://user:topsecret@proxy/")
    assert "topsecret" not in str(hidden.value)


def test_good_endpoint_variables_lose_their_trailing_slash() -> None:
    endpoints = Endpoints.from_env({"HF_ENDPOINT": "http://127.0.0.1:9/hub/"})
    assert endpoints.hub == "http://127.0.0.1:9/hub"
