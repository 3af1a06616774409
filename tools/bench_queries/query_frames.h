#ifndef STATSTRACKER_TOOLS_BENCH_QUERIES_QUERY_FRAMES_H_
#define STATSTRACKER_TOOLS_BENCH_QUERIES_QUERY_FRAMES_H_

// The gRPC calls tools/bench_queries times with h2load, and their raw gRPC
// framing: h2load posts a file as the request body (`h2load -d`), so each
// request is written as one length-prefixed message (the gRPC wire format
// over HTTP/2: a 0 compression flag, the length in 4 big-endian bytes, the
// serialized message).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace statstracker {
namespace bench {

// One timed call: its request, and an empty response to parse the answer
// into.
struct BenchRpc {
  std::string name;    // file stem and table label: "top10", "rank", "around"
  std::string method;  // HTTP/2 path, "/statstracker.v1.LeaderboardService/..."
  std::unique_ptr<google::protobuf::Message> request;
  std::unique_ptr<google::protobuf::Message> response;
};

// ListEntries page_size 10 ("top10"), GetPlayerRank of `player` ("rank") and
// ListEntriesAroundPlayer radius 5 around `player` ("around"), all on
// `board_id` of `game_id`.
std::vector<BenchRpc> BenchRpcs(const std::string& game_id,
                                const std::string& board_id,
                                const std::string& player);

// Checks that `response` (parsed as the call's response type) is the answer
// the benchmark expects: 10 entries for top10, `player`'s entry for rank and
// around (with 11 entries around it unless it is near an end). A one-line
// description of the answer, or INTERNAL saying what is wrong.
absl::StatusOr<std::string> DescribeAnswer(
    const BenchRpc& rpc, const google::protobuf::Message& response,
    const std::string& player);

// The message as one uncompressed gRPC frame.
std::string GrpcFrame(const google::protobuf::Message& message);

// The serialized message inside one uncompressed gRPC frame; INVALID_ARGUMENT
// if `frame` is not exactly one (short prefix, compressed flag, length that
// disagrees with the bytes that follow).
absl::StatusOr<std::string> UnframeGrpc(absl::string_view frame);

}  // namespace bench
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_BENCH_QUERIES_QUERY_FRAMES_H_
