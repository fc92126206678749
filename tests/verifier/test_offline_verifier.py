"""The offline verifier (python -m verifier) on real exports, and on tampered copies of them: each tamper is caught
and named, and the verifier runs without Flask or a database."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from grants.audit.funder_export import funder_export_jsonl
from grants.models import Funder
from tests.audit_trail.helpers import ratify
from tests.decisions.helpers import Setting, make_setting
from tests.support.db import app_session
from tests.support.signin import sign_in
from verifier.__main__ import main
from verifier.check import event_hash

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setting(app: Flask) -> Setting:
    setting = make_setting(app)
    ratify(app, setting)  # with a departure: two tally runs, two checkpoints
    return setting


def _download(app: Flask, setting: Setting, tmp_path: Path) -> Path:
    auditor = app.test_client()
    sign_in(auditor, setting.auditor_email)
    with app_session(app) as s:
        funder_id = s.get(Funder, 1).id  # type: ignore[union-attr]
    response = auditor.get(f"/audit/funders/{funder_id}/export.jsonl")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    path = tmp_path / "export.jsonl"
    path.write_bytes(response.data)
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    tampered = path.with_name("tampered.jsonl")
    tampered.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return tampered


def _events(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["type"] == "event"]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_export_through_the_real_services_verifies(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _download(app, setting, tmp_path)
    lines = _lines(path)
    checkpoint = next(line["statement"] for line in lines if line["type"] == "checkpoint")
    fingerprint = next(line["key_id"] for line in lines if line["type"] == "public_key")
    code, out, err = _run(
        capsys, str(path), "--checkpoint", f"{checkpoint['seq']}:{checkpoint['hash']}", "--key-fingerprint", fingerprint
    )
    assert code == 0, err
    assert f"Chain: {len(_events(lines))} events; every hash recomputed" in out
    assert "Checkpoints: 2 checked; each signature holds" in out
    assert "Published checkpoints: 1 given, each matches the chain." in out
    assert "Tallies: 2 re-run from their recorded inputs" in out
    assert out.rstrip().endswith("VERIFIED: everything in the export holds.")


def test_an_edited_event_is_caught(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    _events(lines)[2]["facts"]["amount_pence"] = 1
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "NOT VERIFIED: event 3: its content does not match its hash" in err


def test_a_deleted_event_is_caught(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    lines.remove(_events(lines)[2])
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "event 4: expected event 3 here; event 3 is missing" in err


def test_an_inserted_event_is_caught(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    events = _events(lines)
    forged = {**events[1], "seq": 3, "action": "bid.withdrawn", "prev_hash": events[1]["hash"]}
    forged["hash"] = event_hash(forged["prev_hash"], forged)  # well formed in itself...
    for event in events[2:]:
        event["seq"] += 1
    lines.insert(lines.index(events[2]), forged)
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "event 4: its previous hash does not match event 3" in err  # ...but the next one is not


def _rewrite_whole_chain(lines: list[dict[str, Any]]) -> None:
    """Edit the first event and recompute every hash after it, and the head: a chain consistent on its own."""
    events = _events(lines)
    events[0]["facts"] = {**events[0]["facts"], "forged": True}
    prev = hashlib.sha256(f"common-pot audit chain {events[0]['chain']}".encode()).hexdigest()
    for event in events:
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(prev, event)
    lines[0]["head_hash"] = prev


def test_a_whole_chain_rewrite_is_caught_by_the_signed_checkpoints(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    _rewrite_whole_chain(lines)
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "(the chain was rewritten after the checkpoint was signed)" in err


def test_a_whole_chain_rewrite_without_its_checkpoints_is_caught_by_a_published_one(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    published = next(line["statement"] for line in lines if line["type"] == "checkpoint")
    _rewrite_whole_chain(lines)
    lines = [line for line in lines if line["type"] != "checkpoint"]
    tampered = _write(tmp_path / "x", lines)
    assert _run(capsys, str(tampered))[0] == 0  # on its own, the rewritten export holds together
    code, _, err = _run(capsys, str(tampered), "--checkpoint", f"{published['seq']}:{published['hash']}")
    assert code == 1 and f"the published checkpoint {published['seq']}:{published['hash']} does not match" in err


def test_a_forged_checkpoint_is_caught(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    checkpoint = next(line for line in lines if line["type"] == "checkpoint")
    last = _events(lines)[-1]
    checkpoint["statement"] = {**checkpoint["statement"], "seq": last["seq"], "hash": last["hash"]}
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "its signature does not hold (the checkpoint was forged or changed)" in err


def test_a_rewrite_signed_with_a_key_of_the_forgers_own_is_caught_by_the_published_fingerprint(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    real_fingerprint = next(line["key_id"] for line in lines if line["type"] == "public_key")
    _rewrite_whole_chain(lines)
    forger = Ed25519PrivateKey.generate()
    raw = forger.public_key().public_bytes_raw()
    key_id = hashlib.sha256(raw).hexdigest()[:32]
    hashes = {event["seq"]: event["hash"] for event in _events(lines)}
    for line in lines:
        if line["type"] == "public_key":
            line.update(key_id=key_id, ed25519_base64=base64.b64encode(raw).decode())
        if line["type"] == "checkpoint":
            line["statement"].update(key_id=key_id, hash=hashes[line["statement"]["seq"]])
            line["signature"] = base64.b64encode(forger.sign(rfc8785.dumps(line["statement"]))).decode()
    tampered = _write(tmp_path / "x", lines)
    code, _, err = _run(capsys, str(tampered), "--key-fingerprint", real_fingerprint)
    assert code == 1 and "it is not the key published on the funder's page" in err


def test_a_changed_tally_input_is_caught(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_download(app, setting, tmp_path))
    run = next(line for line in lines if line["type"] == "tally_run")
    score = run["inputs"]["scores"][0]
    score["value"] = 6 - score["value"]
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "(the inputs were changed after the tally was recorded)" in err


def test_the_demo_funders_export_verifies(app: Flask, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from grants.extensions import db

        funder = db.session.query(Funder).order_by(Funder.id).first()
        assert funder is not None
        path = tmp_path / "demo.jsonl"
        path.write_text(funder_export_jsonl(db.session, funder), encoding="utf-8")
        db.session.remove()
    code, out, err = _run(capsys, str(path))
    assert code == 0, err
    assert "Tallies: 0 re-run" not in out  # the demo has a decided round


def test_the_verifier_runs_as_a_program_without_flask_or_a_database(
    app: Flask, setting: Setting, tmp_path: Path
) -> None:
    path = _download(app, setting, tmp_path)
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in ("flask", "sqlalchemy", "flask_sqlalchemy"))
    program = (
        f"import sys, runpy; {blocked}; sys.argv = ['verifier', {str(path)!r}];"
        " runpy.run_module('verifier', run_name='__main__')"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own arguments
        [sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "VERIFIED" in done.stdout


def test_the_pure_tally_imports_without_flask_or_a_database() -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in ("flask", "sqlalchemy", "flask_sqlalchemy"))
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import sys; {blocked}; import grants.tally, verifier.check"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_after_a_key_rotation_old_and_new_checkpoints_both_verify_and_both_keys_are_published(
    app: Flask, setting: Setting, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checkpoints so far were signed with the installation's key. It is rotated: a new private key, and the
    # old public key kept as retired. A new checkpoint is signed with the new key.
    from grants.audit.checkpoints import DECIDED, record_checkpoint
    from grants.audit.signing import key_id
    from grants.keys import parse_private_key
    from grants.models import Round

    old = parse_private_key(app.config["AUDIT_SIGNING_KEY"]).public_key()
    old_raw = old.public_bytes_raw()
    new_private = Ed25519PrivateKey.generate()
    monkeypatch.setitem(app.config, "AUDIT_SIGNING_KEY", base64.b64encode(new_private.private_bytes_raw()).decode())
    runner = app.test_cli_runner()

    forgot = runner.invoke(args=["audit", "verify"])  # the old key not listed as retired: its signatures fail
    assert forgot.exit_code == 1 and "its signature does not hold with the key it names" in forgot.output

    monkeypatch.setitem(app.config, "AUDIT_RETIRED_PUBLIC_KEYS", base64.b64encode(old_raw).decode())
    with app_session(app) as s:
        round_ = s.get(Round, setting.round_id)
        assert round_ is not None
        made = record_checkpoint(s, round=round_, milestone=DECIDED)
        assert made.key_id == key_id(new_private.public_key()) != key_id(old)
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    path = _download(app, setting, tmp_path)
    code, out, err = _run(capsys, str(path), "--key-fingerprint", key_id(new_private.public_key()))
    assert code == 0, err
    assert "Checkpoints: 3 checked; each signature holds" in out
    old_fingerprint = " ".join(key_id(old)[i : i + 4] for i in range(0, 32, 4))
    assert f"compare them with those on the funder's public page): {old_fingerprint}." in out
    page = app.test_client().get("/funders/" + _funder_slug(app)).text
    assert "Keys we signed with before" in page and base64.b64encode(old_raw).decode() in page

    # A checkpoint naming a key the installation never had is refused, even with a signature that holds for it.
    lines = _lines(path)
    stranger = Ed25519PrivateKey.generate()
    checkpoint = next(line for line in lines if line["type"] == "checkpoint")
    checkpoint["statement"]["key_id"] = key_id(stranger.public_key())
    checkpoint["signature"] = base64.b64encode(stranger.sign(rfc8785.dumps(checkpoint["statement"]))).decode()
    code, _, err = _run(capsys, str(_write(tmp_path / "x", lines)))
    assert code == 1 and "which is neither the export's public key nor one it retired" in err


def _funder_slug(app: Flask) -> str:
    with app_session(app) as s:
        funder = s.get(Funder, 1)
        assert funder is not None
        return funder.slug
