#!/usr/bin/env node
// ioredis-smoke.js: an ioredis Cluster client against a running cluster.
//
// Usage: node tests/js/ioredis-smoke.js <port> [host] [keys]
// Seeds the client with host:port only (it learns the rest from CLUSTER
// SLOTS), then writes and reads back keys spread over every slot range and
// groups of keys sharing a hash tag (multi-key MSET/MGET, which must land on
// one node). Prints one JSON line with what it did; exits 0 when every value
// read back matches, 1 on any mismatch or error, 3 when ioredis is missing.
'use strict';

let Redis;
try {
  Redis = require('ioredis');
} catch (e) {
  console.error('ioredis is not installed (run npm ci in tests/js): ' + e.message);
  process.exit(3);
}

const port = parseInt(process.argv[2], 10);
const host = process.argv[3] || '127.0.0.1';
const nkeys = parseInt(process.argv[4] || '200', 10);
if (!port) {
  console.error('usage: ioredis-smoke.js <port> [host] [keys]');
  process.exit(2);
}

// The whole run must end by itself even if the cluster never becomes ready.
const DEADLINE_MS = 30000;
const timer = setTimeout(() => {
  console.error('timed out after ' + DEADLINE_MS + ' ms');
  process.exit(1);
}, DEADLINE_MS);

async function main() {
  const cluster = new Redis.Cluster([{ host, port }], {
    enableReadyCheck: true,
    slotsRefreshTimeout: 5000,
    clusterRetryStrategy: (times) => (times > 20 ? null : 100),
    redisOptions: { connectTimeout: 5000, maxRetriesPerRequest: 5 },
  });
  cluster.on('error', (e) => console.error('cluster error: ' + e.message));
  await new Promise((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('end', () => reject(new Error('connection ended before ready')));
  });

  const bad = [];
  // Plain keys: spread over all masters, each SET routed by its own slot.
  for (let i = 0; i < nkeys; i++) {
    await cluster.set('js:plain:' + i, 'p' + i);
  }
  for (let i = 0; i < nkeys; i++) {
    const got = await cluster.get('js:plain:' + i);
    if (got !== 'p' + i) bad.push(['js:plain:' + i, got]);
  }

  // Hash tags: keys of one tag share a slot, so one MSET and one MGET each.
  const tags = 20;
  for (let t = 0; t < tags; t++) {
    const args = [];
    for (let j = 0; j < 5; j++) args.push('{js:tag' + t + '}:' + j, 't' + t + '-' + j);
    await cluster.mset(...args);
  }
  for (let t = 0; t < tags; t++) {
    const keys = [];
    for (let j = 0; j < 5; j++) keys.push('{js:tag' + t + '}:' + j);
    const vals = await cluster.mget(...keys);
    vals.forEach((v, j) => {
      if (v !== 't' + t + '-' + j) bad.push([keys[j], v]);
    });
  }

  const masters = cluster.nodes('master').length;
  await cluster.quit();
  console.log(JSON.stringify({ ok: bad.length === 0, plain: nkeys, tagged: tags * 5, masters, bad: bad.slice(0, 5) }));
  return bad.length === 0 ? 0 : 1;
}

main().then((rc) => {
  clearTimeout(timer);
  process.exit(rc);
}, (e) => {
  console.error('failed: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
