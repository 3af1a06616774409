#!/usr/bin/env node
// Stats Tracker from Node.js: @grpc/grpc-js, with the API's .proto files
// loaded at run time by @grpc/proto-loader (no generated code).
//
// Publishes score events and a match through AdminService (API key), waits
// for the worker to apply them, reads the board's top page, a player's rank
// and a player's stats, then follows WatchLeaderboard until a newly
// published score shows up. Prints one line per step (the same lines as
// clients/python; tests/clients_test.cc reads them).
//
//   (cd clients/node && npm ci)    # or tools/install_deps.sh
//   node clients/node/stats_client_example.js \
//       --target 127.0.0.1:50051 --api-key dev-admin-key-change-me
'use strict';

const path = require('path');
const { parseArgs } = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const USAGE = `usage: stats_client_example.js --api-key KEY [--target HOST:PORT]
    [--game arcade] [--board high] [--match-game chess] [--prefix node]
    [--run ID] [--timeout SECONDS] [--proto-root DIR]`;

function options() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: '127.0.0.1:50051' },
      'api-key': { type: 'string' },
      game: { type: 'string', default: 'arcade' },
      board: { type: 'string', default: 'high' },
      'match-game': { type: 'string', default: 'chess' },
      prefix: { type: 'string', default: 'node' },
      run: { type: 'string', default: String(Date.now()) },
      timeout: { type: 'string', default: '30' },
      // The repository root (proto/ and third_party/googleapis/ under it).
      'proto-root': {
        type: 'string',
        default: path.join(__dirname, '..', '..'),
      },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values['api-key']) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  return values;
}

// The API's services and messages, from the .proto files themselves.
function loadApi(root) {
  const definition = protoLoader.loadSync(
    [
      'statstracker/v1/admin.proto',
      'statstracker/v1/leaderboard.proto',
      'statstracker/v1/stats.proto',
    ],
    {
      includeDirs: [
        path.join(root, 'proto'),
        path.join(root, 'third_party', 'googleapis'),
        '/usr/include', // google/protobuf/*.proto (Debian's libprotobuf-dev)
      ],
      keepCase: false, // fields in lowerCamelCase, as in the JSON mapping
      longs: String, // int64 as strings: no precision lost
      enums: String,
      defaults: true,
      oneofs: true,
    },
  );
  return grpc.loadPackageDefinition(definition).statstracker.v1;
}

// grpc-js callbacks as promises, with a deadline.
function call(client, method, request, metadata, seconds = 10) {
  const deadline = new Date(Date.now() + seconds * 1000);
  return new Promise((resolve, reject) => {
    client[method](request, metadata || new grpc.Metadata(), { deadline },
      (err, response) => (err ? reject(err) : resolve(response)));
  });
}

// Retries while NOT_FOUND: the worker applies events asynchronously.
async function until(what, fn, timeoutSeconds) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err.code !== grpc.status.NOT_FOUND || Date.now() > deadline) {
        throw new Error(`${what}: ${err.message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function timestamp() {
  const ms = Date.now();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

function scoreEvent(run, player, score, game) {
  return {
    eventId: `${run}-score-${player}-${score}`,
    gameId: game,
    occurredAt: timestamp(),
    scoreSubmitted: { playerId: player, score },
  };
}

function matchEvent(run, winner, loser, game) {
  return {
    eventId: `${run}-match-${winner}-${loser}`,
    gameId: game,
    occurredAt: timestamp(),
    matchCompleted: {
      matchId: `${run}-m1`,
      participants: [
        { playerId: winner, outcome: 'OUTCOME_WIN' },
        { playerId: loser, outcome: 'OUTCOME_LOSS' },
      ],
    },
  };
}

// A StatValue as text: integers exactly, doubles to 4 digits.
function statText(v) {
  return v.value === 'intValue' ? v.intValue : String(+v.doubleValue.toPrecision(4));
}

async function main() {
  const args = options();
  const api = loadApi(args['proto-root']);
  const timeout = Number(args.timeout);
  const credentials = grpc.credentials.createInsecure();
  const admin = new api.AdminService(args.target, credentials);
  const boards = new api.LeaderboardService(args.target, credentials);
  const stats = new api.PlayerStatsService(args.target, credentials);
  const auth = new grpc.Metadata();
  auth.set('authorization', `Bearer ${args['api-key']}`);
  const p = args.prefix;
  const [a, b, c, d] = [`${p}-a`, `${p}-b`, `${p}-c`, `${p}-d`];
  const board = { gameId: args.game, leaderboardId: args.board };

  // 1. Publish: three scores and a match, one call, all or nothing.
  const published = await call(admin, 'PublishEvents', {
    events: [
      scoreEvent(args.run, a, 100, args.game),
      scoreEvent(args.run, b, 200, args.game),
      scoreEvent(args.run, c, 300, args.game),
      matchEvent(args.run, a, b, args['match-game']),
    ],
  }, auth);
  console.log(`published ${published.streamIds.length} events`);

  // 2. A player's rank, once the worker has applied the scores (in stream
  // order: when the last one is ranked, all are).
  await until('GetPlayerRank',
    () => call(boards, 'GetPlayerRank', { ...board, playerId: c }), timeout);
  const rank = await call(boards, 'GetPlayerRank', { ...board, playerId: b });
  console.log(`rank ${b}: ${rank.entry.rank} of ${rank.totalCount} ` +
    `(score ${rank.entry.score})`);

  // 3. The board's top page.
  const top = await call(boards, 'ListEntries', { ...board, pageSize: 10 });
  console.log(`top ${args.game}/${args.board}: ` +
    top.entries.map((e) => `${e.rank} ${e.playerId} ${e.score}`).join(' | '));

  // 4. A player's stats.
  const got = await until('GetPlayerStats', () => call(stats,
    'GetPlayerStats', { gameId: args['match-game'], playerId: a }), timeout);
  const values = got.stats.stats;
  console.log(`stats ${args['match-game']}/${a}: ` + Object.keys(values).sort()
    .map((name) => `${name}=${statText(values[name])}`).join(' '));

  // 5. Follow the board; publish a new best score; see it arrive.
  const deadline = new Date(Date.now() + timeout * 1000);
  const watch = boards.WatchLeaderboard(
    { ...board, topN: 3, playerId: d }, new grpc.Metadata(), { deadline });
  await new Promise((resolve, reject) => {
    let first = true;
    watch.on('data', (update) => {
      if (first) {
        first = false;
        console.log(`watch ${args.game}/${args.board}: first update, ` +
          `${update.totalCount} ranked`);
        // Published once the stream is open, so the update cannot be missed.
        call(admin, 'PublishEvents',
          { events: [scoreEvent(args.run, d, 1000, args.game)] }, auth)
          .catch(reject);
        return;
      }
      if (update.playerEntry) {
        console.log(`watch ${args.game}/${args.board}: ${d} is rank ` +
          `${update.playerEntry.rank} with ${update.playerEntry.score}`);
        watch.cancel();
        resolve();
      }
    });
    watch.on('error', (err) => {
      if (err.code !== grpc.status.CANCELLED) reject(err);
    });
    watch.on('end', () => reject(new Error('watch ended without the update')));
  });
  for (const client of [admin, boards, stats]) client.close();
}

main().catch((err) => {
  console.error(`stats_client_example: ${err.message}`);
  process.exit(1);
});
