#!/usr/bin/env python3
"""Writes a deterministic demo season of events for the demo games to stdout.

One GameEvent per line in protobuf's JSON mapping (what `stats publish` reads):
  * "arcade" (best score): 60 players submit 600 scores over the last 14 days;
  * "chess" (Elo): 40 players play 400 matches (win, loss or draw);
  * "racing" (the example plugin, plugins/examples/racing/): 20 drivers
    drive 300 laps at Monza and Spa (LapCompleted in GameEvent.custom);
  * "arena" (TrueSkill): 48 players play 300 matches, in turn 2v2, 3v3
    (teams by team_id, outcomes) and free-for-alls of 4 to 6 (placements,
    now and then a tie).
The same seed gives the same file, so event ids are stable and republishing
the season is a no-op for the worker's duplicate check.

usage: tools/demo/generate.py [--seed N] [--end UNIX_SECONDS] > season.jsonl
"""
import argparse
import datetime
import json
import random
import sys

NAMES = ["ada", "alan", "barbara", "claude", "dennis", "donald", "edsger",
         "frances", "grace", "guido", "john", "ken", "linus", "margaret",
         "niklaus", "radia", "rob", "shafi", "tim", "tony"]


def player(i):
    return "%s-%02d" % (NAMES[i % len(NAMES)], i)


def stamp(seconds):
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", type=int, default=0,
                        help="season end (unix seconds); default: now rounded"
                             " down to the hour")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    end = args.end or (int(datetime.datetime.now(
        datetime.timezone.utc).timestamp()) // 3600 * 3600)
    start = end - 14 * 86400
    out = sys.stdout
    for n in range(600):
        p = rng.randrange(60)
        skill = 1000 + 150 * (p % 10)
        score = max(0, int(rng.gauss(skill * 4, 900)))
        t = start + n * (end - start) // 600
        out.write(json.dumps({
            "eventId": "demo-arcade-%d-%04d" % (args.seed, n),
            "gameId": "arcade",
            "occurredAt": stamp(t),
            "scoreSubmitted": {"playerId": player(p), "score": score},
        }, separators=(",", ":")) + "\n")
    for n in range(400):
        a, b = rng.sample(range(40), 2)
        # Higher index plays a little better, so the Elo board has a shape.
        r = rng.random() + (a - b) / 80.0
        if r > 0.55:
            oa, ob = "OUTCOME_WIN", "OUTCOME_LOSS"
        elif r < 0.45:
            oa, ob = "OUTCOME_LOSS", "OUTCOME_WIN"
        else:
            oa = ob = "OUTCOME_DRAW"
        t = start + n * (end - start) // 400 + 60
        out.write(json.dumps({
            "eventId": "demo-chess-%d-%04d" % (args.seed, n),
            "gameId": "chess",
            "occurredAt": stamp(t),
            "matchCompleted": {
                "matchId": "demo-match-%04d" % n,
                "participants": [
                    {"playerId": player(100 + a), "outcome": oa},
                    {"playerId": player(100 + b), "outcome": ob},
                ],
            },
        }, separators=(",", ":")) + "\n")
    # Racing (the example plugin): laps in GameEvent.custom, an Any holding a
    # statstracker.examples.racing.v1.LapCompleted. Drawn after the other
    # games so their events stay the same as before racing was added.
    for n in range(300):
        d = rng.randrange(20)
        track = "monza" if rng.random() < 0.7 else "spa"
        base = 81000 if track == "monza" else 104000
        lap = int(base + 250 * (d % 10) + abs(rng.gauss(0, 1500)))
        t = start + n * (end - start) // 300 + 120
        out.write(json.dumps({
            "eventId": "demo-racing-%d-%04d" % (args.seed, n),
            "gameId": "racing",
            "occurredAt": stamp(t),
            "custom": {
                "@type": "type.googleapis.com/"
                         "statstracker.examples.racing.v1.LapCompleted",
                "playerId": player(200 + d),
                "trackId": track,
                "lapTimeMs": str(lap),
                "lapNumber": 1 + n % 12,
                "distanceM": 5793 if track == "monza" else 7004,
                "invalidated": rng.random() < 0.05,
            },
        }, separators=(",", ":")) + "\n")
    # Arena (TrueSkill): drawn after the other games, as racing was.
    for n in range(300):
        t = start + n * (end - start) // 300 + 180
        out.write(json.dumps({
            "eventId": "demo-arena-%d-%04d" % (args.seed, n),
            "gameId": "arena",
            "occurredAt": stamp(t),
            "matchCompleted": {
                "matchId": "demo-arena-%04d" % n,
                "participants": arena_participants(rng, n % 3),
            },
        }, separators=(",", ":")) + "\n")


def arena_participants(rng, mode):
    """One arena match: mode 0 is 2v2, 1 is 3v3, 2 a free-for-all of 4-6.

    A player's hidden skill is their index (higher plays better), so the
    TrueSkill board has a shape; performances add noise to it.
    """
    if mode == 2:
        players = rng.sample(range(48), rng.randint(4, 6))
        perf = {p: p / 8.0 + rng.gauss(0, 2) for p in players}
        order = sorted(players, key=lambda p: -perf[p])
        placements, place = {}, 0
        for i, p in enumerate(order):
            # Close performances share a placement (a draw) now and then.
            if i == 0 or perf[order[i - 1]] - perf[p] > 0.15:
                place = i + 1
            placements[p] = place
        return [{"playerId": player(300 + p), "placement": placements[p],
                 "values": {"kills": rng.randrange(0, 12)}} for p in players]
    size = 2 if mode == 0 else 3
    players = rng.sample(range(48), 2 * size)
    teams = [players[:size], players[size:]]
    perf = [sum(p / 8.0 for p in team) + rng.gauss(0, 3) for team in teams]
    if abs(perf[0] - perf[1]) < 0.3:
        outcomes = ["OUTCOME_DRAW", "OUTCOME_DRAW"]
    elif perf[0] > perf[1]:
        outcomes = ["OUTCOME_WIN", "OUTCOME_LOSS"]
    else:
        outcomes = ["OUTCOME_LOSS", "OUTCOME_WIN"]
    return [{"playerId": player(300 + p), "teamId": "red" if k == 0 else "blue",
             "outcome": outcomes[k], "values": {"kills": rng.randrange(0, 12)}}
            for k, team in enumerate(teams) for p in team]


if __name__ == "__main__":
    main()
