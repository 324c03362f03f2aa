"""UserSig v2: byte-level agreement with Tencent's PyPI generator, and malformed input never escapes as anything
but ``UserSigError(MALFORMED)``."""

from __future__ import annotations

import base64
import contextlib
import json
import types
import zlib
from typing import Any

import pytest
import TLSSigAPIv2
from hypothesis import given, settings
from hypothesis import strategies as st

from liveroom import usersig
from liveroom.usersig import UserSigError

KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
APP = 1400000000
T = 1_700_000_000


def tencent_at(monkeypatch: pytest.MonkeyPatch, now: int) -> None:
    """Make Tencent's generator believe it is ``now`` (only its module's view of ``time`` changes)."""
    monkeypatch.setattr(TLSSigAPIv2, "time", types.SimpleNamespace(time=lambda: now + 0.75))


def tencent(sdkappid: int, key: str, identifier: str, expire: int) -> str:
    return str(TLSSigAPIv2.TLSSigAPIv2(sdkappid, key).gen_sig(identifier, expire))


def pack(document: bytes) -> str:
    """The sig transport encoding (zlib, base64, ``+/=`` -> ``*-_``) around arbitrary bytes."""
    return TLSSigAPIv2.base64_encode_url(zlib.compress(document))


def unpack(sig: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(zlib.decompress(TLSSigAPIv2.base64_decode_url(sig.encode())))
    return result


def assert_malformed(sig: str) -> None:
    with pytest.raises(UserSigError) as caught:
        usersig.decode(sig)
    assert caught.value.reason == UserSigError.MALFORMED
    with pytest.raises(UserSigError) as caught:
        usersig.verify(sig, APP, "administrator", KEY, now=T)
    assert caught.value.reason == UserSigError.MALFORMED


# Tencent -> liveroom and liveroom -> Tencent, byte for byte ------------------------------------------------


@pytest.mark.parametrize(
    ("sdkappid", "identifier", "expire", "now"),
    [
        (APP, "administrator", 180 * 86400, T),
        (1400000001, "user_1", 86400, 1_600_000_000),
        (20000000, "主播-34", 1, 0),
        (4294967295, "a" * 32, 50 * 365 * 86400, 2_000_000_000),
        (1, "with space & ? = / + *", 300, 1),
    ],
)
def test_generate_is_byte_identical_to_tencent_gen_sig(
    monkeypatch: pytest.MonkeyPatch, sdkappid: int, identifier: str, expire: int, now: int
) -> None:
    tencent_at(monkeypatch, now)
    expected = tencent(sdkappid, KEY, identifier, expire)
    assert usersig.generate(sdkappid, KEY, identifier, expire, now=now) == expected


@settings(max_examples=200, deadline=None)
@given(
    sdkappid=st.integers(1, 4294967295),
    identifier=st.text(min_size=1, max_size=32),
    key=st.text(min_size=1, max_size=80),
    expire=st.integers(1, 100 * 365 * 86400),
    now=st.integers(0, 4_000_000_000),
)
def test_generate_agrees_with_tencent_for_any_claims(
    sdkappid: int, identifier: str, key: str, expire: int, now: int
) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        tencent_at(monkeypatch, now)
        expected = tencent(sdkappid, key, identifier, expire)
    assert usersig.generate(sdkappid, key, identifier, expire, now=now) == expected
    claims = usersig.verify(expected, sdkappid, identifier, key, now=now + expire)
    assert (claims.sdkappid, claims.identifier, claims.issued_at, claims.expire) == (sdkappid, identifier, now, expire)


def test_generate_without_now_uses_the_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usersig, "time", types.SimpleNamespace(time=lambda: T + 0.5))
    tencent_at(monkeypatch, T)
    assert usersig.generate(APP, KEY, "administrator") == tencent(APP, KEY, "administrator", usersig.DEFAULT_EXPIRE)


def test_decode_reads_the_claims_of_a_tencent_sig(monkeypatch: pytest.MonkeyPatch) -> None:
    tencent_at(monkeypatch, T)
    sig = tencent(APP, KEY, "administrator", 86400)
    claims = usersig.decode(sig)
    assert claims.sdkappid == APP
    assert claims.identifier == "administrator"
    assert claims.issued_at == T
    assert claims.expire == 86400
    assert claims.expires_at == T + 86400
    assert claims.userbuf is None
    assert base64.b64encode(claims.signature).decode() == unpack(sig)["TLS.sig"]
    assert usersig.verify(sig, APP, "administrator", KEY, now=T + 86400) == claims


def test_verify_accepts_a_tencent_sig_with_userbuf(monkeypatch: pytest.MonkeyPatch) -> None:
    tencent_at(monkeypatch, T)
    sig = str(TLSSigAPIv2.TLSSigAPIv2(APP, KEY).gen_sig_with_userbuf("host", 600, b"\x00room\xff"))
    claims = usersig.verify(sig, APP, "host", KEY, now=T)
    assert claims.userbuf == base64.b64encode(b"\x00room\xff").decode()
    # The userbuf is signed: changing it breaks the signature.
    document = unpack(sig)
    document["TLS.userbuf"] = base64.b64encode(b"other").decode()
    with pytest.raises(UserSigError) as caught:
        usersig.verify(pack(json.dumps(document).encode()), APP, "host", KEY, now=T)
    assert caught.value.reason == UserSigError.SIGNATURE_MISMATCH


def test_a_sig_minted_by_liveroom_has_tencents_document_layout() -> None:
    document = unpack(usersig.generate(APP, KEY, "administrator", 600, now=T))
    assert list(document) == ["TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.expire", "TLS.time", "TLS.sig"]
    assert document["TLS.ver"] == "2.0"
    assert document["TLS.sdkappid"] == APP and document["TLS.time"] == T and document["TLS.expire"] == 600


def test_go_style_sigs_compact_json_and_stored_zlib_are_accepted() -> None:
    """Tencent's Go generator: compact JSON with a newline, zlib level 0 (still a valid zlib stream)."""
    document = unpack(usersig.generate(APP, KEY, "administrator", 600, now=T))
    raw = (json.dumps(document, separators=(",", ":")) + "\n").encode()
    sig = TLSSigAPIv2.base64_encode_url(zlib.compress(raw, 0))
    assert usersig.verify(sig, APP, "administrator", KEY, now=T).issued_at == T


# verify: the checks and their order ------------------------------------------------------------------------


def reason(sig: str, *, sdkappid: int = APP, identifier: str = "administrator", key: str = KEY, now: int) -> str:
    with pytest.raises(UserSigError) as caught:
        usersig.verify(sig, sdkappid, identifier, key, now=now)
    return caught.value.reason


def test_verify_checks_in_the_documented_order(monkeypatch: pytest.MonkeyPatch) -> None:
    tencent_at(monkeypatch, T)
    other_key = "0" * 64
    # Another app, another identifier, another key, expired: the app is checked first.
    sig = tencent(APP + 1, other_key, "someone", 10)
    assert reason(sig, now=T + 100) == UserSigError.SDKAPPID_MISMATCH
    # Right app; identifier before key and expiry.
    sig = tencent(APP, other_key, "someone", 10)
    assert reason(sig, now=T + 100) == UserSigError.IDENTIFIER_MISMATCH
    # Right app and identifier; the key before expiry.
    sig = tencent(APP, other_key, "administrator", 10)
    assert reason(sig, now=T + 100) == UserSigError.SIGNATURE_MISMATCH
    sig = tencent(APP, KEY, "administrator", 10)
    assert reason(sig, now=T + 11) == UserSigError.EXPIRED
    # now <= time + expire is still valid.
    assert usersig.verify(sig, APP, "administrator", KEY, now=T + 10).expires_at == T + 10


def test_verify_without_now_uses_the_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    sig = usersig.generate(APP, KEY, "administrator", 10, now=T)
    monkeypatch.setattr(usersig, "time", types.SimpleNamespace(time=lambda: T + 10.9))
    assert usersig.verify(sig, APP, "administrator", KEY).issued_at == T
    monkeypatch.setattr(usersig, "time", types.SimpleNamespace(time=lambda: T + 11))
    assert reason(sig, now=T + 11) == UserSigError.EXPIRED


def test_a_changed_claim_breaks_the_signature() -> None:
    document = unpack(usersig.generate(APP, KEY, "administrator", 600, now=T))
    document["TLS.expire"] = 10**9
    assert reason(pack(json.dumps(document).encode()), now=T) == UserSigError.SIGNATURE_MISMATCH


def test_signature_matches_compares_with_the_key() -> None:
    claims = usersig.decode(usersig.generate(APP, KEY, "administrator", 600, now=T))
    assert usersig.signature_matches(claims, KEY)
    assert not usersig.signature_matches(claims, KEY[:-1] + "f")


# malformed input ------------------------------------------------------------------------------------------


def valid_document() -> dict[str, Any]:
    return unpack(usersig.generate(APP, KEY, "administrator", 600, now=T))


@pytest.mark.parametrize(
    "sig",
    [
        "",
        "not base64 !!",
        "abc",  # bad padding
        "eJw=\n",
        "主播",
        "eJ" + "\x00" * 4,
        TLSSigAPIv2.base64_encode_url(b"definitely not zlib"),
        TLSSigAPIv2.base64_encode_url(b""),
    ],
)
def test_undecodable_transport_is_malformed(sig: str) -> None:
    assert_malformed(sig)


def test_a_truncated_sig_is_malformed() -> None:
    sig = usersig.generate(APP, KEY, "administrator", 600, now=T)
    compressed = TLSSigAPIv2.base64_decode_url(sig.encode())
    for cut in (1, 4, len(compressed) // 2):
        assert_malformed(TLSSigAPIv2.base64_encode_url(compressed[:-cut]))


def test_a_zip_bomb_is_refused_without_inflating_it() -> None:
    document = json.dumps(valid_document()).encode()
    bomb = zlib.compress(document[:-1] + b"," + b'"pad":"' + b"x" * 5_000_000 + b'"}', 9)
    assert len(bomb) < 10_000
    assert_malformed(TLSSigAPIv2.base64_encode_url(bomb))


@pytest.mark.parametrize(
    "raw",
    [b"[]", b"1", b"null", b'"TLS.sig"', b"true", b"{", b"\xff\xfe\x00", b"[" * 100_000, b'{"a":' * 10_000],
)
def test_json_that_is_not_an_object_is_malformed(raw: bytes) -> None:
    assert_malformed(pack(raw))


@pytest.mark.parametrize("field", ["TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire", "TLS.sig"])
def test_a_missing_field_is_malformed(field: str) -> None:
    document = valid_document()
    del document[field]
    assert_malformed(pack(json.dumps(document).encode()))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("TLS.sdkappid", str(APP)),
        ("TLS.sdkappid", float(APP)),
        ("TLS.sdkappid", None),
        ("TLS.time", True),
        ("TLS.time", float(T)),
        ("TLS.expire", "600"),
        ("TLS.expire", [600]),
        ("TLS.identifier", 12345),
        ("TLS.identifier", None),
        ("TLS.identifier", "\ud800"),
        ("TLS.sig", 1),
        ("TLS.sig", "not base64 !"),
        ("TLS.sig", "é"),
        ("TLS.sig", {"a": 1}),
        ("TLS.userbuf", 5),
        ("TLS.userbuf", "\udfff"),
    ],
)
def test_a_field_of_the_wrong_type_is_malformed(field: str, value: object) -> None:
    document = valid_document()
    document[field] = value
    assert_malformed(pack(json.dumps(document).encode()))


def test_integers_too_long_to_read_are_malformed() -> None:
    raw = json.dumps(valid_document()).replace(f'"TLS.time": {T}', '"TLS.time": ' + "9" * 5000).encode()
    assert_malformed(pack(raw))


def only_malformed(sig: str) -> None:
    """``decode`` either answers claims or raises UserSigError(MALFORMED); never any other exception."""
    try:
        usersig.decode(sig)
    except UserSigError as error:
        assert error.reason == UserSigError.MALFORMED
    with contextlib.suppress(UserSigError):
        usersig.verify(sig, APP, "administrator", KEY, now=T)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_only_ever_raises_malformed(sig: str) -> None:
    only_malformed(sig)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_inflated_bytes_only_ever_raise_malformed(raw: bytes) -> None:
    only_malformed(pack(raw))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
tls_fields = st.sampled_from(["TLS.ver", "TLS.identifier", "TLS.sdkappid", "TLS.time", "TLS.expire", "TLS.sig"])


@settings(max_examples=300, deadline=None)
@given(json_values, st.dictionaries(tls_fields | st.just("TLS.userbuf"), json_values))
def test_arbitrary_json_documents_only_ever_raise_malformed(value: object, changes: dict[str, object]) -> None:
    only_malformed(pack(json.dumps(value).encode()))
    document = valid_document()
    document.update(changes)
    only_malformed(pack(json.dumps(document).encode()))
