from __future__ import annotations

import json

from contractgate.secrets import MASK, Masker

CANARY = "canary-5f1c9e2b-do-not-leak"


def test_secrets_named_by_the_catalog_are_read_from_the_environment_and_masked(monkeypatch):
    monkeypatch.setenv("EMOGG_API_TOKEN", CANARY)
    monkeypatch.setenv("ASLEEP_API_KEY", "abc")  # too short to mask inside free text
    masker = Masker.from_env()
    assert masker.text(f"curl -H 'Authorization: Bearer {CANARY}' x") == f"curl -H 'Authorization: Bearer {MASK}' x"
    assert masker.secrets == (CANARY,)


def test_sensitive_headers_are_masked_whatever_their_value():
    masked = Masker().headers({"Authorization": "Bearer tok", "X-Api-Key": "k", "x-user-id": "G-1", "Accept": "*/*"})
    assert masked == {"Authorization": f"Bearer {MASK}", "X-Api-Key": MASK, "x-user-id": "G-1", "Accept": "*/*"}


def test_the_longest_secret_is_masked_first():
    assert Masker().with_values("secret", "secret-and-more").text("a secret-and-more b") == f"a {MASK} b"


def test_a_secret_is_masked_inside_json_text_too():
    secret = 'k"ey\\with-quote'
    masker = Masker().with_values(secret)
    assert masker.text(json.dumps({"key": secret})) == '{"key": "***"}'
