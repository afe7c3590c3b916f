"""Keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME
RENAMENX COPY TOUCH DBSIZE FLUSHALL FLUSHDB OBJECT ENCODING SELECT."""

import pytest
import redis


def err(excinfo):
    return str(excinfo.value)


def test_del_unlink(r):
    r.mset({"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.delete("a", "b", "missing") == 2
    assert r.unlink("c", "missing") == 1
    assert r.delete("missing") == 0
    assert r.keys("*") == [b"d"]


def test_exists_counts_repeats(r):
    r.set("a", 1)
    assert r.exists("a") == 1
    assert r.exists("a", "a", "b") == 2
    assert r.exists("b") == 0


def test_type(r):
    r.set("s", "x")
    r.set("n", 5)
    assert r.type("s") == b"string"
    assert r.type("n") == b"string"
    assert r.type("missing") == b"none"


def test_keys_patterns(r):
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "other"]:
        r.set(k, 1)
    assert sorted(r.keys("*")) == sorted(
        [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"other"])
    assert sorted(r.keys("h?llo")) == [b"h*llo", b"hallo", b"hello", b"hxllo"]
    assert sorted(r.keys("h*llo")) == [b"h*llo", b"hallo", b"heeeello", b"hello", b"hllo", b"hxllo"]
    assert sorted(r.keys("h[ae]llo")) == [b"hallo", b"hello"]
    assert sorted(r.keys("h[^e]llo")) == [b"h*llo", b"hallo", b"hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == [b"hallo"]
    assert r.keys("h\\*llo") == [b"h*llo"]
    assert r.keys("nomatch*") == []


def full_scan(r, **kw):
    seen = []
    cursor = 0
    for _ in range(100000):
        cursor, keys = r.scan(cursor, **kw)
        seen.extend(keys)
        if cursor == 0:
            return seen
    raise AssertionError("SCAN did not finish")


def test_scan_full_iteration_returns_every_key(r):
    keys = {b"key:%d" % i for i in range(1000)}
    r.mset({k: b"v" for k in keys})
    seen = full_scan(r, count=10)
    assert set(seen) == keys
    seen = full_scan(r)
    assert set(seen) == keys


def test_scan_match_count_type(r):
    r.mset({b"user:%d" % i: 1 for i in range(200)})
    r.mset({b"item:%d" % i: 1 for i in range(50)})
    assert set(full_scan(r, match="item:*", count=7)) == {b"item:%d" % i for i in range(50)}
    assert set(full_scan(r, match="user:1?", count=1000)) == {b"user:1%d" % i for i in range(10)}
    assert len(set(full_scan(r, _type="string", count=50))) == 250
    assert full_scan(r, _type="list", count=50) == []
    assert full_scan(r, _type="nosuchtype", count=50) == []


def test_scan_reply_shape_and_errors(r):
    r.set("a", 1)
    reply = r.execute_command("SCAN", "0", "COUNT", "100")
    # redis-py's callback gives (cursor, [keys])
    assert reply == (0, [b"a"])
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SCAN", "abc")
    assert err(e) == "invalid cursor"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SCAN", "0", "COUNT", "0")
    assert err(e) == "syntax error"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SCAN", "0", "BOGUS")
    assert err(e) == "syntax error"


def test_randomkey(r):
    assert r.randomkey() is None
    r.set("only", 1)
    assert r.randomkey() == b"only"
    r.mset({"a": 1, "b": 2, "c": 3})
    for _ in range(20):
        assert r.randomkey() in (b"only", b"a", b"b", b"c")


def test_rename(r):
    r.set("a", "1", ex=100)
    assert r.rename("a", "b") is True
    assert r.exists("a") == 0
    assert r.get("b") == b"1"
    assert 99 <= r.ttl("b") <= 100  # the TTL moves with the value
    r.set("c", "3")
    r.rename("c", "b")  # overwrites and drops b's TTL
    assert r.get("b") == b"3"
    assert r.ttl("b") == -1
    assert r.rename("b", "b") is True
    with pytest.raises(redis.ResponseError) as e:
        r.rename("missing", "x")
    assert err(e) == "no such key"


def test_renamenx(r):
    r.set("a", "1")
    r.set("b", "2")
    assert r.renamenx("a", "b") is False
    assert r.get("a") == b"1"
    assert r.renamenx("a", "c") is True
    assert r.get("c") == b"1"
    with pytest.raises(redis.ResponseError) as e:
        r.renamenx("missing", "x")
    assert err(e) == "no such key"


def test_copy(r):
    r.set("src", "v", ex=100)
    assert r.copy("src", "dst") is True
    assert r.get("dst") == b"v"
    assert 99 <= r.ttl("dst") <= 100
    r.set("src", "w")
    assert r.copy("src", "dst") is False
    assert r.get("dst") == b"v"
    assert r.copy("src", "dst", replace=True) is True
    assert r.get("dst") == b"w"
    assert r.ttl("dst") == -1
    assert r.copy("missing", "x") is False
    assert r.execute_command("COPY", "src", "d0", "DB", "0") == 1
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("COPY", "src", "src")
    assert err(e) == "source and destination objects are the same"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("COPY", "src", "d1", "DB", "1")
    assert err(e) == "DB index is out of range"


def test_touch_dbsize(r):
    assert r.dbsize() == 0
    r.mset({"a": 1, "b": 2})
    assert r.dbsize() == 2
    assert r.touch("a", "b", "c") == 2


def test_flushall_flushdb(r):
    r.mset({"a": 1, "b": 2})
    assert r.flushdb() is True
    assert r.dbsize() == 0
    r.mset({"a": 1, "b": 2})
    assert r.flushall() is True
    assert r.dbsize() == 0
    r.set("a", 1)
    assert r.execute_command("FLUSHALL", "ASYNC") is True
    assert r.dbsize() == 0
    r.set("a", 1)
    assert r.execute_command("FLUSHDB", "SYNC") is True
    assert r.dbsize() == 0
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("FLUSHALL", "BOGUS")
    assert err(e) == "syntax error"


@pytest.mark.parametrize("value,encoding", [
    (b"123", b"int"),
    (b"-9223372036854775808", b"int"),
    (b"0", b"int"),
    (b"hello", b"embstr"),
    (b"12a", b"embstr"),
    (b"0123", b"embstr"),          # not the canonical form of an integer
    (b"99999999999999999999", b"embstr"),
    (b"x" * 44, b"embstr"),
    (b"x" * 45, b"raw"),
    (b"y" * 1000, b"raw"),
])
def test_object_encoding(r, value, encoding):
    r.set("k", value)
    assert r.object("encoding", "k") == encoding
    assert r.get("k") == value


def test_object_encoding_after_append_is_raw(r):
    r.set("k", "hello")
    r.append("k", "x")
    assert r.object("encoding", "k") == b"raw"
    r.set("n", 12)
    r.incr("n")
    assert r.object("encoding", "n") == b"int"
    assert r.object("encoding", "missing") is None


def test_select(r):
    assert r.execute_command("SELECT", 0) is True
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SELECT", 1)
    assert err(e) == "DB index is out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SELECT", "abc")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("SELECT", -1)
    assert err(e) == "DB index is out of range"


def test_select_error_bytes(raw):
    c = raw()
    c.send(b"SELECT 0\r\nSELECT 1\r\n")
    assert c.expect(b"+OK\r\n") == b"+OK\r\n"
    want = b"-ERR DB index is out of range\r\n"
    assert c.expect(want) == want
