<?php
// The client sequence through PHP's memcached extension (Debian's
// php-memcached, on libmemcached): one line per step, exit 1 on the first
// wrong result.
//   php client.php HOST:PORT [STEP...]   STEPs are the ones this backend refuses.

if ($argc < 2) {
    fwrite(STDERR, "usage: client.php HOST:PORT [REFUSED_STEP...]\n");
    exit(2);
}
[$host, $port] = explode(':', $argv[1]);
$refused = array_slice($argv, 2);
$p = 'php_';

$mc = new Memcached();
$mc->setOption(Memcached::OPT_CONNECT_TIMEOUT, 5000);
$mc->setOption(Memcached::OPT_RECV_TIMEOUT, 10000000);
$mc->setOption(Memcached::OPT_SEND_TIMEOUT, 10000000);
// append() refuses to run with compression on, whatever the value's size.
$mc->setOption(Memcached::OPT_COMPRESSION, false);
$mc->addServer($host, (int)$port);

function fail($step, $why) { echo "FAIL $step: $why\n"; exit(1); }
function ok($step, $detail) { echo "ok $step: $detail\n"; }
function result($mc) { return $mc->getResultCode() . ' ' . $mc->getResultMessage(); }

function expect_value($mc, $step, $key, $want) {
    global $p;
    $got = $mc->get($p . $key);
    if ($want === null) {
        if ($got !== false || $mc->getResultCode() !== Memcached::RES_NOTFOUND) {
            fail($step, "get $key: want a miss, got " . var_export($got, true) . ' (' . result($mc) . ')');
        }
    } elseif ($got !== $want) {
        fail($step, "get $key = " . var_export($got, true) . ", want '$want' (" . result($mc) . ')');
    }
}

// A refusal of a conditional write: false with the given result code.
function expect_refusal($mc, $step, $what, $got, $code) {
    if ($got !== false || $mc->getResultCode() !== $code) {
        fail($step, "$what: want result $code, got " . var_export($got, true) . ' (' . result($mc) . ')');
    }
}

$mc->set("{$p}k1", 'hello') || fail('set', 'k1 not stored: ' . result($mc));
$mc->set("{$p}k2", 'world') || fail('set', 'k2 not stored: ' . result($mc));
ok('set', 'k1 k2 stored');

expect_value($mc, 'get', 'k1', 'hello');
expect_value($mc, 'get', 'missing', null);
ok('get', 'k1 = hello, missing is a miss');

$many = $mc->getMulti(["{$p}k1", "{$p}k2", "{$p}missing"]);
if ($many !== ["{$p}k1" => 'hello', "{$p}k2" => 'world']) {
    fail('multi-get', 'got ' . var_export($many, true) . ' (' . result($mc) . ')');
}
ok('multi-get', 'k1 k2 found, missing left out');

$mc->add("{$p}k3", 'new') || fail('add', 'new key not stored: ' . result($mc));
expect_refusal($mc, 'add', 'existing key', $mc->add("{$p}k1", 'other'), Memcached::RES_NOTSTORED);
ok('add', 'new key stored, existing key not stored');

$mc->replace("{$p}k1", 'hi') || fail('replace', 'existing key not replaced: ' . result($mc));
expect_refusal($mc, 'replace', 'missing key', $mc->replace("{$p}missing", 'x'), Memcached::RES_NOTSTORED);
expect_value($mc, 'replace', 'k1', 'hi');
ok('replace', 'existing key replaced, missing key not stored');

$mc->append("{$p}k1", '!!') || fail('append', 'k1 not appended: ' . result($mc));
expect_refusal($mc, 'append', 'missing key', $mc->append("{$p}missing", 'x'), Memcached::RES_NOTSTORED);
expect_value($mc, 'append', 'k1', 'hi!!');
ok('append', 'k1 = hi!!, missing key not stored');

$mc->delete("{$p}k3") || fail('delete', 'k3 not deleted: ' . result($mc));
expect_refusal($mc, 'delete', 'again', $mc->delete("{$p}k3"), Memcached::RES_NOTFOUND);
expect_value($mc, 'delete', 'k3', null);
ok('delete', 'k3 deleted, then not found');

$mc->set("{$p}n", '10') || fail('incr', 'n not stored: ' . result($mc));
$n = $mc->increment("{$p}n", 5);
if ($n !== 15) fail('incr', 'n + 5 = ' . var_export($n, true) . ', want 15 (' . result($mc) . ')');
$n = $mc->decrement("{$p}n", 3);
if ($n !== 12) fail('incr', 'n - 3 = ' . var_export($n, true) . ', want 12 (' . result($mc) . ')');
expect_refusal($mc, 'incr', 'missing key', $mc->increment("{$p}missing", 1), Memcached::RES_NOTFOUND);
ok('incr', '10 + 5 = 15, 15 - 3 = 12, missing key not found');

$held = $mc->get("{$p}k1", null, Memcached::GET_EXTENDED);
if (!is_array($held) || $held['value'] !== 'hi!!') {
    fail('cas', 'gets k1 = ' . var_export($held, true) . ' (' . result($mc) . ')');
}
$mc->cas($held['cas'], "{$p}k1", 'v2') || fail('cas', 'fresh token refused: ' . result($mc));
expect_refusal($mc, 'cas', 'stale token', $mc->cas($held['cas'], "{$p}k1", 'v3'), Memcached::RES_DATA_EXISTS);
expect_value($mc, 'cas', 'k1', 'v2');
ok('cas', 'fresh token stored, stale token refused (EXISTS)');

$mc->touch("{$p}k1", 100) || fail('touch', 'k1 not touched: ' . result($mc));
expect_refusal($mc, 'touch', 'missing key', $mc->touch("{$p}missing", 100), Memcached::RES_NOTFOUND);
ok('touch', 'k1 touched, missing key not found');

$flushed = $mc->flush();
if (in_array('flush', $refused, true)) {
    if ($flushed !== false) fail('flush', 'flush_all succeeded on a backend that refuses it');
    ok('flush', 'refused as this backend does: ' . result($mc));
} else {
    $flushed || fail('flush', 'flush_all failed: ' . result($mc));
    expect_value($mc, 'flush', 'k1', null);
    ok('flush', 'k1 gone');
}

$versions = $mc->getVersion();
$version = is_array($versions) ? ($versions["$host:$port"] ?? null) : null;
if (!is_string($version) || !preg_match('/^1\.6\.\d+$/', $version)) {
    fail('version', 'version of ' . $argv[1] . ' = ' . var_export($versions, true) . ', want 1.6.N (' . result($mc) . ')');
}
ok('version', $version);
