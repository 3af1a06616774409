#!/usr/bin/python3
"""Stats Tracker from Python: grpcio with stubs generated from proto/.

Publishes score events and a match through AdminService (API key), waits
for the worker to apply them, reads the board's top page, a player's rank
and a player's stats, then follows WatchLeaderboard until a newly published
score shows up. Prints one line per step (tests/clients_test.cc reads them).

  clients/python/generate.sh /tmp/stats-stubs
  PYTHONPATH=/tmp/stats-stubs /usr/bin/python3 \
      clients/python/stats_client_example.py \
      --target 127.0.0.1:50051 --api-key dev-admin-key-change-me

Needs Debian's python3-grpcio and python3-protobuf (tools/install_deps.sh).
"""

import argparse
import sys
import threading
import time

import grpc
from google.protobuf import timestamp_pb2

from statstracker.v1 import admin_pb2
from statstracker.v1 import admin_pb2_grpc
from statstracker.v1 import events_pb2
from statstracker.v1 import leaderboard_pb2
from statstracker.v1 import leaderboard_pb2_grpc
from statstracker.v1 import stats_pb2
from statstracker.v1 import stats_pb2_grpc


def score_event(run, player, score, game):
    """A ScoreSubmitted event with an id unique to this run."""
    at = timestamp_pb2.Timestamp()
    at.GetCurrentTime()
    return events_pb2.GameEvent(
        event_id=f"{run}-score-{player}-{score}",
        game_id=game,
        occurred_at=at,
        score_submitted=events_pb2.ScoreSubmitted(player_id=player,
                                                  score=score))


def match_event(run, winner, loser, game):
    """A 1v1 MatchCompleted event."""
    at = timestamp_pb2.Timestamp()
    at.GetCurrentTime()
    return events_pb2.GameEvent(
        event_id=f"{run}-match-{winner}-{loser}",
        game_id=game,
        occurred_at=at,
        match_completed=events_pb2.MatchCompleted(
            match_id=f"{run}-m1",
            participants=[
                events_pb2.Participant(player_id=winner,
                                       outcome=events_pb2.OUTCOME_WIN),
                events_pb2.Participant(player_id=loser,
                                       outcome=events_pb2.OUTCOME_LOSS),
            ]))


def until(what, call, timeout_s):
    """Calls call() until it returns without NOT_FOUND (the worker applies
    events asynchronously); returns its result."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return call()
        except grpc.RpcError as e:
            if (e.code() != grpc.StatusCode.NOT_FOUND or
                    time.monotonic() > deadline):
                raise RuntimeError(f"{what}: {e.code().name}: {e.details()}")
        time.sleep(0.1)


def stat_text(value):
    """A StatValue as text: integers exactly, doubles to 4 digits."""
    if value.WhichOneof("value") == "int_value":
        return str(value.int_value)
    return f"{value.double_value:.4g}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051",
                        help="gRPC host:port of the server")
    parser.add_argument("--api-key", required=True,
                        help="an admin key from server.api_keys")
    parser.add_argument("--game", default="arcade",
                        help="game with a best-score board")
    parser.add_argument("--board", default="high", help="that board")
    parser.add_argument("--match-game", default="chess",
                        help="game with declarative stats (matches, wins)")
    parser.add_argument("--prefix", default="py",
                        help="player id prefix")
    parser.add_argument("--run", default=str(int(time.time() * 1000)),
                        help="makes event ids unique (producers' retries "
                        "with the same id count once)")
    parser.add_argument("--timeout", type=float, default=30,
                        help="seconds to wait for the worker")
    args = parser.parse_args()

    p = args.prefix
    a, b, c, d = (f"{p}-a", f"{p}-b", f"{p}-c", f"{p}-d")
    channel = grpc.insecure_channel(args.target)
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    boards = leaderboard_pb2_grpc.LeaderboardServiceStub(channel)
    stats = stats_pb2_grpc.PlayerStatsServiceStub(channel)
    auth = [("authorization", f"Bearer {args.api_key}")]

    # 1. Publish: three scores and a match, one call, all or nothing.
    events = [score_event(args.run, a, 100, args.game),
              score_event(args.run, b, 200, args.game),
              score_event(args.run, c, 300, args.game),
              match_event(args.run, a, b, args.match_game)]
    published = admin.PublishEvents(
        admin_pb2.PublishEventsRequest(events=events), metadata=auth,
        timeout=10)
    print(f"published {len(published.stream_ids)} events")

    # 2. A player's rank, once the worker has applied the scores (in
    # stream order: when the last one is ranked, all are).
    until("GetPlayerRank", lambda: boards.GetPlayerRank(
        leaderboard_pb2.GetPlayerRankRequest(
            game_id=args.game, leaderboard_id=args.board, player_id=c),
        timeout=10), args.timeout)
    rank = boards.GetPlayerRank(leaderboard_pb2.GetPlayerRankRequest(
        game_id=args.game, leaderboard_id=args.board, player_id=b),
        timeout=10)
    print(f"rank {b}: {rank.entry.rank} of {rank.total_count} "
          f"(score {rank.entry.score:g})")

    # 3. The board's top page.
    top = boards.ListEntries(leaderboard_pb2.ListEntriesRequest(
        game_id=args.game, leaderboard_id=args.board, page_size=10),
        timeout=10)
    print(f"top {args.game}/{args.board}: " + " | ".join(
        f"{e.rank} {e.player_id} {e.score:g}" for e in top.entries))

    # 4. A player's stats.
    got = until("GetPlayerStats", lambda: stats.GetPlayerStats(
        stats_pb2.GetPlayerStatsRequest(game_id=args.match_game,
                                        player_id=a),
        timeout=10), args.timeout)
    print(f"stats {args.match_game}/{a}: " + " ".join(
        f"{name}={stat_text(got.stats.stats[name])}"
        for name in sorted(got.stats.stats)))

    # 5. Follow the board; publish a new best score; see it arrive.
    watch = boards.WatchLeaderboard(leaderboard_pb2.WatchLeaderboardRequest(
        game_id=args.game, leaderboard_id=args.board, top_n=3, player_id=d),
        timeout=args.timeout)
    first = next(watch)
    print(f"watch {args.game}/{args.board}: first update, "
          f"{first.total_count} ranked")
    # Publish from another thread once the stream is open, so the update
    # cannot be missed.
    threading.Thread(target=lambda: admin.PublishEvents(
        admin_pb2.PublishEventsRequest(
            events=[score_event(args.run, d, 1000, args.game)]),
        metadata=auth, timeout=10)).start()
    for update in watch:
        if update.HasField("player_entry"):
            print(f"watch {args.game}/{args.board}: {d} is rank "
                  f"{update.player_entry.rank} with "
                  f"{update.player_entry.score:g}")
            watch.cancel()
            return 0
    print("watch ended without the update", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
