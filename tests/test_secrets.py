from __future__ import annotations

import base64
import hmac
import html
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from contractgate.catalog import load_catalog, specs_dir
from contractgate.errors import ContractgateError
from contractgate.secrets import (
    DEFAULT_PSEUDONYM_KEY,
    LOCAL_DEFAULTS,
    MASK,
    PSEUDONYM_KEY_ENV,
    Masker,
    encodings,
    pseudonym,
)

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


# --- every encoding ---------------------------------------------------------------------------------------------

NASTY = 'k3y/with+plus=eq&amp"quote%pct and space'


def every_encoding(value: str) -> dict[str, str]:
    """The encodings the masker promises to catch, computed here independently of it."""
    raw = value.encode()
    forms = {
        "raw": value, "json": json.dumps(value)[1:-1],
        "quote": quote(value, safe=""), "quote-slash": quote(value), "quote_plus": quote_plus(value),
        "html": html.escape(value), "html-noquote": html.escape(value, quote=False),
        "html-of-json": html.escape(json.dumps(value)[1:-1]),
        "base64": base64.b64encode(raw).decode(), "base64-urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
    }
    for name in ("quote", "quote-slash", "quote_plus"):
        forms[f"{name}-lower"] = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), forms[name])
    return forms


@pytest.mark.parametrize("form", sorted(every_encoding(NASTY)))
def test_a_secret_is_masked_in_every_encoding(form):
    encoded = every_encoding(NASTY)[form]
    assert Masker().with_values(NASTY).text(f"before {encoded} after") == f"before {MASK} after"


def test_the_encodings_of_several_secrets_are_masked_in_one_text():
    secrets = (NASTY, "second secret/=+", "third&secret")
    text = " | ".join(form for secret in secrets for form in every_encoding(secret).values())
    masked = Masker().with_values(*secrets).text(text)
    assert not any(form in masked for secret in secrets for form in every_encoding(secret).values())


def test_the_encodings_are_computed_once_per_masker():
    masker = Masker().with_values(NASTY)
    assert {form for form, _ in masker._secret_table} == encodings(NASTY)
    assert masker._secret_table is masker._secret_table  # a field, not recomputed per call


def test_a_json_value_is_masked_in_every_string_and_key_and_stays_json():
    masker = Masker().with_values(NASTY)
    body = {"detail": f"bad key {NASTY}", NASTY: [1, {"k": quote(NASTY)}], "n": None}
    assert masker.value(body) == {"detail": f"bad key {MASK}", MASK: [1, {"k": MASK}], "n": None}


# --- personal identifiers ---------------------------------------------------------------------------------------

USER = "G-20240101000000-AbCdEfGhIjKlMnOpQrSt"


def test_a_pseudonym_is_stable_keyed_and_never_pseudonymized_again(monkeypatch):
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    first = pseudonym(USER)
    assert re.fullmatch(r"user-[0-9a-f]{12}", first) and pseudonym(USER) == first and pseudonym("other") != first
    assert first == "user-" + hmac.new(DEFAULT_PSEUDONYM_KEY.encode(), USER.encode(), "sha256").hexdigest()[:12]
    assert pseudonym(first) == first
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "our own key")
    assert pseudonym(USER) != first and Masker().pseudonym(USER) == pseudonym(USER)


def test_from_env_knows_the_identifiers_the_catalog_names_and_the_mocks_default(monkeypatch):
    monkeypatch.setenv("ASLEEP_USER_ID", USER)
    masker = Masker.from_env()
    assert set(masker.identifiers) == {USER, LOCAL_DEFAULTS["ASLEEP_USER_ID"]}
    assert load_catalog().api("asleep-v3").identifiers == ("ASLEEP_USER_ID",)
    text = f"x-user-id: {USER}; {quote(LOCAL_DEFAULTS['ASLEEP_USER_ID'])}"
    assert masker.text(text) == text  # identifiers are kept unless asked for: a reproduction command needs them
    assert masker.sharing().text(text) == (f"x-user-id: {pseudonym(USER)}; "
                                           f"{pseudonym(LOCAL_DEFAULTS['ASLEEP_USER_ID'])}")


def test_shared_headers_and_values_carry_pseudonyms_and_secrets_still_win():
    masker = Masker(pseudonymize=True).with_values(NASTY)
    assert masker.headers({"X-User-Id": "anyone", "x-api-key": "k", "accept": NASTY}) == {
        "X-User-Id": pseudonym("anyone"), "x-api-key": MASK, "accept": MASK}
    body = {"callback_data": {"user_id": "someone", "session_id": "s1", "note": NASTY}}
    assert masker.value(body) == {"callback_data": {"user_id": pseudonym("someone"), "session_id": "s1",
                                                    "note": MASK}}
    assert masker.value("someone", name="user_id") == pseudonym("someone")  # a value found under user_id
    assert Masker(pseudonymize=True).with_values(USER).with_identifiers(USER).text(USER) == MASK


def test_pseudonymize_identifiers_replaces_user_id_fields_and_known_values_whatever_the_flag():
    masker = Masker().with_identifiers(USER)
    payload = [{"user_id": "someone", "USER_ID": "x1", "user": {"user_id": 7}}, f"sent by {USER}", {"id": USER}]
    assert masker.pseudonymize_identifiers(payload) == [
        {"user_id": pseudonym("someone"), "USER_ID": pseudonym("x1"), "user": {"user_id": 7}},
        f"sent by {pseudonym(USER)}", {"id": pseudonym(USER)}]
    assert masker.text(USER) == USER and masker.value({"user_id": USER}) == {"user_id": USER}


def test_the_catalogs_identifiers_key_is_optional_and_checked(tmp_path):
    source = (specs_dir() / "catalog.yaml").read_text(encoding="utf-8")
    (tmp_path / "catalog.yaml").write_text(source.replace("identifiers: [ASLEEP_USER_ID]", "identifiers: 7", 1))
    with pytest.raises(ContractgateError, match="identifiers: expected a list"):
        load_catalog(tmp_path)
    (tmp_path / "catalog.yaml").write_text(source.replace("identifiers: [ASLEEP_USER_ID]", "identifier: [X]", 1))
    with pytest.raises(ContractgateError, match="unknown keys"):
        load_catalog(tmp_path)
    assert load_catalog().api("upheal").identifiers == ()
