// The client sequence through the memcached npm package (2.2.2): one line
// per step, exit 1 on the first wrong result.
//   node client.js HOST:PORT [STEP...]   STEPs are the ones this backend refuses.
// NODE_PATH names the node_modules the package was installed into.
'use strict';

const Memcached = require('memcached');

const [server, ...refused] = process.argv.slice(2);
if (!server) {
  console.error('usage: client.js HOST:PORT [REFUSED_STEP...]');
  process.exit(2);
}
const P = 'node_';
const mc = new Memcached(server, { timeout: 10000, retries: 0 });

function fail(step, why) {
  console.log(`FAIL ${step}: ${why}`);
  process.exit(1);
}

function ok(step, detail) {
  console.log(`ok ${step}: ${detail}`);
}

// The package's callbacks as [err, data], so a step can check both.
function call(method, ...args) {
  return new Promise((resolve) => mc[method](...args, (err, data) => resolve([err, data])));
}

async function expect(step, what, method, args, want, wantError) {
  const [err, got] = await call(method, ...args);
  if (Boolean(err) !== Boolean(wantError) || JSON.stringify(got) !== JSON.stringify(want)) {
    fail(step, `${what} = ${JSON.stringify(got)} (error ${err}), want ${JSON.stringify(want)}` +
               (wantError ? ' with an error' : ''));
  }
}

async function expectValue(step, key, want) {
  await expect(step, `get ${key}`, 'get', [P + key], want);
}

async function run() {
  await expect('set', 'set k1', 'set', [P + 'k1', 'hello', 0], true);
  await expect('set', 'set k2', 'set', [P + 'k2', 'world', 0], true);
  ok('set', 'k1 k2 stored');

  await expectValue('get', 'k1', 'hello');
  await expectValue('get', 'missing', undefined);
  ok('get', 'k1 = hello, missing is a miss');

  await expect('multi-get', 'get k1 k2 missing', 'getMulti', [[P + 'k1', P + 'k2', P + 'missing']],
               { [P + 'k1']: 'hello', [P + 'k2']: 'world' });
  ok('multi-get', 'k1 k2 found, missing left out');

  await expect('add', 'new key', 'add', [P + 'k3', 'new', 0], true);
  // The package reports NOT_STORED as an error ("Item is not stored").
  await expect('add', 'existing key', 'add', [P + 'k1', 'other', 0], false, true);
  ok('add', 'new key stored, existing key not stored');

  await expect('replace', 'existing key', 'replace', [P + 'k1', 'hi', 0], true);
  await expect('replace', 'missing key', 'replace', [P + 'missing', 'x', 0], false, true);
  await expectValue('replace', 'k1', 'hi');
  ok('replace', 'existing key replaced, missing key not stored');

  await expect('append', 'k1', 'append', [P + 'k1', '!!'], true);
  await expect('append', 'missing key', 'append', [P + 'missing', 'x'], false, true);
  await expectValue('append', 'k1', 'hi!!');
  ok('append', 'k1 = hi!!, missing key not stored');

  await expect('delete', 'k3', 'del', [P + 'k3'], true);
  await expect('delete', 'k3 again', 'del', [P + 'k3'], false);
  await expectValue('delete', 'k3', undefined);
  ok('delete', 'k3 deleted, then not found');

  await expect('incr', 'set n', 'set', [P + 'n', '10', 0], true);
  await expect('incr', 'n + 5', 'incr', [P + 'n', 5], 15);
  await expect('incr', 'n - 3', 'decr', [P + 'n', 3], 12);
  await expect('incr', 'missing key + 1', 'incr', [P + 'missing', 1], false);
  ok('incr', '10 + 5 = 15, 15 - 3 = 12, missing key not found');

  const [err, held] = await call('gets', P + 'k1');
  if (err || !held || held[P + 'k1'] !== 'hi!!') {
    fail('cas', `gets k1 = ${JSON.stringify(held)} (error ${err})`);
  }
  await expect('cas', 'fresh token', 'cas', [P + 'k1', 'v2', held.cas, 0], true);
  await expect('cas', 'stale token', 'cas', [P + 'k1', 'v3', held.cas, 0], false);
  await expectValue('cas', 'k1', 'v2');
  ok('cas', 'fresh token stored, stale token refused (EXISTS)');

  await expect('touch', 'k1', 'touch', [P + 'k1', 100], true);
  await expect('touch', 'missing key', 'touch', [P + 'missing', 100], false);
  ok('touch', 'k1 touched, missing key not found');

  if (refused.includes('flush')) {
    const [flushErr, results] = await call('flush');
    if (!flushErr) fail('flush', `flush_all not refused: results ${JSON.stringify(results)}, no error`);
    ok('flush', `refused as this backend does: ${flushErr.message}`);
  } else {
    await expect('flush', 'flush_all', 'flush', [], [true]);
    await expectValue('flush', 'k1', undefined);
    ok('flush', 'k1 gone');
  }

  const [versionErr, versions] = await call('version');
  const version = !versionErr && versions.length === 1 ? versions[0].version : undefined;
  if (!/^1\.6\.\d+$/.test(version)) {
    fail('version', `versions ${JSON.stringify(versions)} (error ${versionErr}), want 1.6.N`);
  }
  ok('version', version);
  mc.end();
}

run().catch((e) => fail('client', e.stack));
