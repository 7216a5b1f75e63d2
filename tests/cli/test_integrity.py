"""Seals, verification and proofs through the `ledger` command: a seal is what the log
hashed to; any edit, deletion, swap or insertion of stored rows behind the ledger's back
makes `ledger verify` fail at the first leaf that changed, naming the seal it
contradicts; proofs print in the RFC vectors' shape and check offline.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import orjson
import pytest

from ledger.trust import merkle
from tests.cli.support import Walk, event_count, ok, run, walk_through
from tests.ledger.test_merkle import OUR_CHOICE, VECTORS

ROOT_LINE = re.compile(r"sealed (\d+) events: root ([0-9a-f]{64})\n")


def seal(store: str, *args: str) -> tuple[int, str]:
    out = ok(run(store, "seal", *args, actor="admin1")).stdout
    found = ROOT_LINE.fullmatch(out)
    assert found, out
    return int(found.group(1)), found.group(2)


def raw_root(path: str, size: int) -> str:
    """The root over the first `size` stored rows, computed here from the SQLite file
    with the module's documented leaf encoding, not through the ledger.
    """
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT rowid, originator_id, originator_version, topic, state "
                          "FROM stored_events ORDER BY rowid LIMIT ?", (size,)).fetchall()
    leaves = [merkle.leaf_hash(merkle.leaf_bytes(n, o, v, t, s)) for n, o, v, t, s in rows]
    return merkle.root_of(leaves).hex()


def sql(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)


def verify_fails(store: str, *args: str) -> tuple[str, str]:
    result = run(store, "verify", *args)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: the record does not verify: ")
    assert result.stderr.count("\n") == 1
    return result.stdout, result.stderr


class TestSealing:
    def test_a_seal_prints_the_root_of_every_event_stored_before_it(self, walked: Walk):
        size, root = seal(walked.store, "--note", "2026年11月 第四周")

        assert size == 11 == event_count(walked.store) - 1
        assert root == raw_root(walked.store, 11)

    def test_the_seals_are_listed_oldest_first_with_their_notes(self, walked: Walk):
        first = seal(walked.store, "--note", "第一")
        second = seal(walked.store)

        rows = orjson.loads(ok(run(walked.store, "seals", "--format", "json")).stdout)

        assert [(r["seal"], r["size"], r["root"], r["actor"], r["note"]) for r in rows] == [
            (1, first[0], first[1], "admin1", "第一"), (2, 12, second[1], "admin1", None)]
        assert second[0] == 12, "the second seal covers the first"
        table = ok(run(walked.store, "seals")).stdout.splitlines()
        assert table[0].split() == ["seal", "size", "root", "sealed_at", "actor", "note"]
        assert table[2].split()[:3] == ["1", "11", first[1][:16]]

    def test_no_seals_yet_is_said_so(self, walked: Walk):
        assert ok(run(walked.store, "seals")).stdout == "(no rows)\n"

    def test_sealing_needs_an_actor_and_then_writes_nothing(self, walked: Walk):
        before = event_count(walked.store)

        result = run(walked.store, "seal")

        assert result.exit_code == 2
        assert "--actor (or LEDGER_ACTOR) is required to seal the ledger" in result.stderr
        assert event_count(walked.store) == before


class TestVerifying:
    def test_an_untouched_ledger_verifies_and_says_what_was_checked(self, walked: Walk):
        size, _ = seal(walked.store)
        ok(run(walked.store, "warn", "g9", "wx_wang", "--category", "flooding",
               actor="admin1"))

        out = ok(run(walked.store, "verify")).stdout.splitlines()

        assert out[0] == "checked 13 events, notification ids 1–13 without a gap"
        assert out[1] == "compared them with the 13 leaf hashes kept as they were recorded"
        assert out[2] == f"seal 1 at size {size}: ok"
        assert out[3] == f"ok: 13 events, root {raw_root(walked.store, 13)}"

    def test_an_edited_category_is_found_at_its_leaf_and_contradicts_the_seal(self, walked: Walk):
        seal(walked.store)
        # The direct warning (刷屏 40 条) is the 9th stored event: leaf 8.
        sql(walked.store, "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
                          "'\"flooding\"', '\"ads\"') AS BLOB) WHERE rowid = 9")

        out, err = verify_fails(walked.store)

        assert "seal 1 at size 11: CONTRADICTED" in out
        assert err == ("Error: the record does not verify: the log contradicts seal 1 (size 11, "
                       f"root {_seal_root(walked)[:16]}…, sealed {_sealed_at(walked)} by admin1): "
                       "the first leaf that disagrees is leaf 8 (notification 9, WarningIssued "
                       f"version 6 of {_membership_prefix(walked)})\n")

    def test_a_deleted_event_is_found_where_the_ids_jump(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "DELETE FROM stored_events WHERE rowid = 4")

        out, err = verify_fails(walked.store)

        assert out.startswith("checked 11 events, notification ids 1–12 WITH GAPS\n")
        assert "the first leaf that disagrees is leaf 3 (notification 5," in err
        assert "problem: notification 4 was recorded (its hash is kept) but is no longer in " \
               "the log: it was deleted" in out

    def test_two_swapped_events_are_found_at_the_first_of_them(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "UPDATE stored_events SET rowid = 100 WHERE rowid = 6",
            "UPDATE stored_events SET rowid = 6 WHERE rowid = 7",
            "UPDATE stored_events SET rowid = 7 WHERE rowid = 100")

        _, err = verify_fails(walked.store)

        assert "contradicts seal 1" in err
        assert "the first leaf that disagrees is leaf 5 (notification 6," in err

    def test_a_forged_event_inserted_before_the_first_is_found_at_leaf_0(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "INSERT INTO stored_events (rowid, originator_id, originator_version, "
                          "topic, state) SELECT 0, originator_id, 99, topic, state "
                          "FROM stored_events WHERE rowid = 9")

        _, err = verify_fails(walked.store)

        assert "contradicts seal 1" in err
        assert "the first leaf that disagrees is leaf 0 (notification 0, WarningIssued " \
               "version 99" in err

    def test_a_forged_event_appended_after_the_last_seal_is_found(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "INSERT INTO stored_events (originator_id, originator_version, "
                          "topic, state) SELECT originator_id, 9, topic, "
                          "CAST(replace(CAST(state AS TEXT), '\"admin1\"', '\"o\"') AS BLOB) "
                          "FROM stored_events WHERE rowid = 9")

        out, err = verify_fails(walked.store)

        assert "seal 1 at size 11: ok" in out
        assert err.startswith("Error: the record does not verify: leaf 12 (notification 13, "
                              "WarningIssued version 9 of ")

    def test_a_row_whose_topic_is_no_event_type_is_found_without_resolving_it(self,
                                                                              walked: Walk):
        seal(walked.store)
        sql(walked.store, "UPDATE stored_events SET topic = 'antigravity:fly' WHERE rowid = 3")

        out, err = verify_fails(walked.store)

        assert "problem: leaf 2 (notification 3, fly version 1 of " in out
        assert "has a topic that is no event type of the ledger" in out
        assert "the first leaf that disagrees is leaf 2 (notification 3, fly" in err

    def test_after_the_last_event_is_deleted_nothing_more_is_recorded(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "DELETE FROM stored_events WHERE rowid = 12")
        before = event_count(walked.store)

        result = run(walked.store, "warn", "g9", "wx_wang", "--category", "flooding",
                     actor="admin1")

        assert result.exit_code == 1
        assert result.stderr == ("Error: notification id 12 is already in the kept tree "
                                 "(which reaches 12): stored events were deleted outside the "
                                 "ledger, so nothing more is recorded; run 'ledger verify'\n")
        assert event_count(walked.store) == before
        _, err = verify_fails(walked.store)
        assert "notification 12 was recorded (its hash is kept) but is no longer in the " \
               "log" in err

    def test_a_member_whose_event_was_deleted_cannot_be_recorded_to(self, walked: Walk):
        sql(walked.store, "DELETE FROM stored_events WHERE rowid = 6")

        result = run(walked.store, "warn", "g9", "wx_li", "--category", "flooding",
                     actor="admin1")

        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: the stored events of {_membership_prefix(walked)} are out of sequence "
            "(version 4 where 3 belongs): the log was changed outside the ledger; run "
            "'ledger verify'\n")

    def test_dropping_the_views_hides_nothing(self, walked: Walk):
        seal(walked.store)
        ok(run(walked.store, "project", "standings"))
        sql(walked.store, "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
                          "'\"flooding\"', '\"ads\"') AS BLOB) WHERE rowid = 9")
        with sqlite3.connect(walked.store) as db:
            views = [name for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'view_%'")]
            assert views
            for name in views:
                db.execute(f"DROP TABLE {name}")

        _, err = verify_fails(walked.store)

        assert "the first leaf that disagrees is leaf 8" in err

    def test_editing_the_kept_hashes_too_still_contradicts_the_seal(self, walked: Walk):
        seal(walked.store)
        sql(walked.store, "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
                          "'\"flooding\"', '\"ads\"') AS BLOB) WHERE rowid = 9",
            "DELETE FROM ledger_leaves", "DELETE FROM ledger_meta WHERE key = 'tree_head'")

        out, err = verify_fails(walked.store)

        assert "no leaf hashes are kept yet" in out
        assert "contradicts seal 1" in err
        assert "an event among leaves 0–10 was changed, deleted, inserted or moved" in err


class TestAgainstAPostedRoot:
    def test_the_posted_root_and_size_verify(self, walked: Walk):
        size, root = seal(walked.store)

        out = ok(run(walked.store, "verify", "--against", root, "--size", str(size))).stdout

        assert f"root given for size {size}: ok\n" in out

    def test_another_root_fails_and_says_what_the_log_hashes_to(self, walked: Walk):
        size, root = seal(walked.store)
        other = root[:-1] + ("0" if root[-1] != "0" else "1")

        out, err = verify_fails(walked.store, "--against", other, "--size", str(size))

        assert f"root given for size {size}: DIFFERENT" in out
        assert f"hash to {root}, not to the root given, {other}" in err

    def test_a_size_beyond_the_log_is_an_error(self, walked: Walk):
        _, root = seal(walked.store)

        result = run(walked.store, "verify", "--against", root, "--size", "500")

        assert result.exit_code == 1
        assert result.stderr == ("Error: --size 500 is more than the 12 events in this "
                                 "ledger: check the size that was posted with the root\n")

    @pytest.mark.parametrize("args", [("--against", "ab" * 32), ("--size", "3"),
                                      ("--against", "xyz", "--size", "3")])
    def test_a_malformed_request_is_a_usage_error(self, walked: Walk, args):
        result = run(walked.store, "verify", *args)

        assert result.exit_code == 2
        assert result.stdout == ""


class TestProofs:
    def test_a_sanction_is_proved_in_the_sealed_tree(self, walked: Walk, tmp_path: Path):
        size, root = seal(walked.store)

        out = ok(run(walked.store, "proof", "inclusion", walked.warning_id[:8], "--size",
                     str(size))).stdout
        proof = json.loads(out)

        assert list(proof) == ["leafIdx", "treeSize", "root", "leafHash", "proof"]
        assert (proof["leafIdx"], proof["treeSize"]) == (8, size)
        assert bytes.fromhex(root) == __import__("base64").b64decode(proof["root"])
        (tmp_path / "p.json").write_text(out)
        assert ok(run(walked.store, "proof", "check", str(tmp_path / "p.json"))).stdout == (
            f"valid: leaf 8 is in the tree of {size} with root {root}\n")

    def test_a_notification_id_names_an_event_too(self, walked: Walk):
        proof = json.loads(ok(run(walked.store, "proof", "inclusion", "1")).stdout)

        assert (proof["leafIdx"], proof["treeSize"]) == (0, 11)

    def test_two_seals_are_proved_consistent(self, walked: Walk, tmp_path: Path):
        old, old_root = seal(walked.store)
        ok(run(walked.store, "warn", "g9", "wx_wang", "--category", "flooding", actor="admin1"))
        new, new_root = seal(walked.store)

        out = ok(run(walked.store, "proof", "consistency", str(old), str(new))).stdout
        proof = json.loads(out)

        assert list(proof) == ["size1", "size2", "root1", "root2", "proof"]
        (tmp_path / "c.json").write_text(out)
        assert ok(run(walked.store, "proof", "check", str(tmp_path / "c.json"))).stdout == (
            f"valid: the tree of {old} (root {old_root}) is a prefix of the tree of {new} "
            f"(root {new_root})\n")

    def test_a_proof_with_one_bit_changed_is_invalid(self, walked: Walk, tmp_path: Path):
        proof = json.loads(ok(run(walked.store, "proof", "inclusion", "3")).stdout)
        raw = bytearray(__import__("base64").b64decode(proof["proof"][1]))
        raw[0] ^= 0x80
        proof["proof"][1] = __import__("base64").b64encode(bytes(raw)).decode()
        (tmp_path / "bad.json").write_text(json.dumps(proof))

        result = run(walked.store, "proof", "check", str(tmp_path / "bad.json"))

        assert result.exit_code == 1
        assert result.stderr.startswith("Error: invalid: the proof does not show that leaf 2 "
                                        "is in the tree of 11 with root ")

    @pytest.mark.parametrize("text, message", [
        ("not json", "Error: the proof is not JSON"),
        ('{"leafIdx": 0}', "Error: the inclusion proof has no field 'treeSize'"),
        ('{"size1": 1, "size2": 2, "root1": "!!", "root2": "", "proof": []}',
         "Error: field 'root1' is not valid base64"),
        ('[1]', "Error: the proof is not a JSON object"),
    ])
    def test_a_malformed_proof_is_a_one_line_error(self, tmp_path: Path, text, message):
        (tmp_path / "p.json").write_text(text)

        result = run(str(tmp_path / "none.db"), "proof", "check", str(tmp_path / "p.json"))

        assert result.exit_code == 1
        assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
        assert not (tmp_path / "none.db").exists()

    def test_a_size_outside_the_log_is_an_error(self, walked: Walk):
        result = run(walked.store, "proof", "inclusion", "3", "--size", "40")

        assert result.exit_code == 1
        assert result.stderr == "Error: size 40 is not a size of this log: give 1 to 11\n"

    @pytest.mark.parametrize("path", sorted(VECTORS.rglob("*.json")),
                             ids=lambda p: str(p.relative_to(VECTORS)))
    def test_proof_check_decides_every_vector_file_as_the_vectors_say(self, path: Path,
                                                                      tmp_path: Path):
        data = json.loads(path.read_text())
        if str(path.relative_to(VECTORS)) in OUR_CHOICE:
            data["wantErr"] = True

        result = run(str(tmp_path / "none.db"), "proof", "check", str(path))

        assert result.exit_code == (1 if data["wantErr"] else 0), result.output


def _seals(walk: Walk) -> list[dict]:
    return orjson.loads(ok(run(walk.store, "seals", "--format", "json")).stdout)


def _seal_root(walk: Walk) -> str:
    return _seals(walk)[0]["root"]


def _sealed_at(walk: Walk) -> str:
    return _seals(walk)[0]["sealed_at"]


def _membership_prefix(walk: Walk) -> str:
    from ledger.domain.aggregates import membership_id

    return membership_id("g9", "wx_li").hex[:8]


# PostgreSQL -----------------------------------------------------------------------------


def _pg(url: str, *statements: str) -> None:
    import psycopg

    from ledger.store.url import parse_store

    pg = parse_store(url).postgres
    with psycopg.connect(host=pg["POSTGRES_HOST"], port=int(pg["POSTGRES_PORT"]),
                         dbname=pg["POSTGRES_DBNAME"], user=pg["POSTGRES_USER"],
                         autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{pg["POSTGRES_SCHEMA"]}"')
        for statement in statements:
            conn.execute(statement)


@pytest.mark.postgres
class TestOnPostgreSQL:
    def test_a_sealed_ledger_verifies_and_a_gap_in_the_ids_is_no_fault(self, postgres_schema_url):
        walk_through(postgres_schema_url)
        seal(postgres_schema_url)
        # A rolled-back transaction leaves a gap: take ids from the sequence, unused.
        _pg(postgres_schema_url, "SELECT nextval(pg_get_serial_sequence('ledger_events', "
                                 "'notification_id')) FROM generate_series(1, 3)")
        ok(run(postgres_schema_url, "warn", "g9", "wx_wang", "--category", "flooding",
               actor="admin1"))
        seal(postgres_schema_url)

        out = ok(run(postgres_schema_url, "verify")).stdout.splitlines()

        assert out[0] == "checked 14 events, notification ids 1–17 increasing (gaps allowed)"
        assert out[2:4] == ["seal 1 at size 11: ok", "seal 2 at size 13: ok"]

    def test_an_edited_event_is_found_at_its_leaf(self, postgres_schema_url):
        walk = walk_through(postgres_schema_url)
        seal(postgres_schema_url)
        _pg(postgres_schema_url, "UPDATE ledger_events SET state = convert_to(replace("
                                 "convert_from(state, 'UTF8'), '\"flooding\"', '\"ads\"'), "
                                 "'UTF8') WHERE notification_id = 9")

        _, err = verify_fails(postgres_schema_url)

        assert "contradicts seal 1" in err
        assert "the first leaf that disagrees is leaf 8 (notification 9, WarningIssued" in err
        assert walk.warning_id

    def test_a_deleted_event_contradicts_the_seal(self, postgres_schema_url):
        walk_through(postgres_schema_url)
        seal(postgres_schema_url)
        _pg(postgres_schema_url, "DELETE FROM ledger_events WHERE notification_id = 4")

        out, err = verify_fails(postgres_schema_url)

        assert "contradicts seal 1" in err
        assert "notification 4 was recorded (its hash is kept) but is no longer in the log" in out

    def test_two_swapped_states_are_found_at_the_first_of_them(self, postgres_schema_url):
        walk_through(postgres_schema_url)
        seal(postgres_schema_url)
        _pg(postgres_schema_url,
            "UPDATE ledger_events AS e SET state = o.state FROM ledger_events AS o "
            "WHERE (e.notification_id, o.notification_id) IN ((6, 7), (7, 6))")

        out, err = verify_fails(postgres_schema_url)

        assert "leaf 5 (notification 6, MessageFlagged version 3 of " in out
        assert "does not read as its topic's event" in out
        assert "the first leaf that disagrees is leaf 5 (notification 6," in err

    def test_a_forged_event_inserted_before_the_first_is_found_at_leaf_0(self,
                                                                         postgres_schema_url):
        walk_through(postgres_schema_url)
        seal(postgres_schema_url)
        _pg(postgres_schema_url,
            "INSERT INTO ledger_events (notification_id, originator_id, originator_version, "
            "topic, state) SELECT 0, originator_id, 99, topic, state FROM ledger_events "
            "WHERE notification_id = 9")

        _, err = verify_fails(postgres_schema_url)

        assert "contradicts seal 1" in err
        assert "the first leaf that disagrees is leaf 0 (notification 0, WarningIssued " \
               "version 99" in err

    def test_a_proof_from_postgresql_checks_offline(self, postgres_schema_url, tmp_path):
        walk = walk_through(postgres_schema_url)
        size, root = seal(postgres_schema_url)
        out = ok(run(postgres_schema_url, "proof", "inclusion", walk.removal_id[:8],
                     "--size", str(size))).stdout
        (tmp_path / "p.json").write_text(out)

        assert ok(run(str(tmp_path / "none.db"), "proof", "check",
                      str(tmp_path / "p.json"))).stdout.endswith(f"with root {root}\n")
