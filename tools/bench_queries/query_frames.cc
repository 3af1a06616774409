#include "tools/bench_queries/query_frames.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"

namespace statstracker {
namespace bench {
namespace {

constexpr size_t kPrefixBytes = 5;  // compression flag + 32-bit length

std::string Method(absl::string_view rpc) {
  return absl::StrCat("/", v1::LeaderboardService::service_full_name(), "/",
                      rpc);
}

BenchRpc Top10(const std::string& game_id, const std::string& board_id) {
  auto request = std::make_unique<v1::ListEntriesRequest>();
  request->set_game_id(game_id);
  request->set_leaderboard_id(board_id);
  request->set_page_size(10);
  return {"top10", Method("ListEntries"), std::move(request),
          std::make_unique<v1::ListEntriesResponse>()};
}

BenchRpc Rank(const std::string& game_id, const std::string& board_id,
              const std::string& player) {
  auto request = std::make_unique<v1::GetPlayerRankRequest>();
  request->set_game_id(game_id);
  request->set_leaderboard_id(board_id);
  request->set_player_id(player);
  return {"rank", Method("GetPlayerRank"), std::move(request),
          std::make_unique<v1::GetPlayerRankResponse>()};
}

BenchRpc Around(const std::string& game_id, const std::string& board_id,
                const std::string& player) {
  auto request = std::make_unique<v1::ListEntriesAroundPlayerRequest>();
  request->set_game_id(game_id);
  request->set_leaderboard_id(board_id);
  request->set_player_id(player);
  request->set_radius(5);
  return {"around", Method("ListEntriesAroundPlayer"), std::move(request),
          std::make_unique<v1::ListEntriesAroundPlayerResponse>()};
}

std::string DescribeEntry(const v1::LeaderboardEntry& entry) {
  return absl::StrCat(entry.player_id(), " rank ", entry.rank(), " score ",
                      entry.score());
}

}  // namespace

std::vector<BenchRpc> BenchRpcs(const std::string& game_id,
                                const std::string& board_id,
                                const std::string& player) {
  std::vector<BenchRpc> rpcs;
  rpcs.push_back(Top10(game_id, board_id));
  rpcs.push_back(Rank(game_id, board_id, player));
  rpcs.push_back(Around(game_id, board_id, player));
  return rpcs;
}

absl::StatusOr<std::string> DescribeAnswer(
    const BenchRpc& rpc, const google::protobuf::Message& response,
    const std::string& player) {
  if (const auto* top =
          dynamic_cast<const v1::ListEntriesResponse*>(&response)) {
    if (top->entries_size() != 10) {
      return absl::InternalError(absl::StrCat(
          rpc.name, ": expected 10 entries, got ", top->entries_size()));
    }
    return absl::StrCat("10 entries, first ", DescribeEntry(top->entries(0)));
  }
  if (const auto* rank =
          dynamic_cast<const v1::GetPlayerRankResponse*>(&response)) {
    if (rank->entry().player_id() != player || rank->entry().rank() <= 0) {
      return absl::InternalError(absl::StrCat(rpc.name, ": expected ", player,
                                              "'s entry, got '",
                                              rank->ShortDebugString(), "'"));
    }
    return absl::StrCat(DescribeEntry(rank->entry()), " of ",
                        rank->total_count());
  }
  if (const auto* around =
          dynamic_cast<const v1::ListEntriesAroundPlayerResponse*>(&response)) {
    for (const v1::LeaderboardEntry& entry : around->entries()) {
      if (entry.player_id() == player) {
        return absl::StrCat(around->entries_size(), " entries around ",
                            DescribeEntry(entry));
      }
    }
    return absl::InternalError(
        absl::StrCat(rpc.name, ": ", player, " is not among the ",
                     around->entries_size(), " entries"));
  }
  return absl::InternalError(
      absl::StrCat(rpc.name, ": unexpected response type ",
                   response.GetDescriptor()->full_name()));
}

std::string GrpcFrame(const google::protobuf::Message& message) {
  const std::string body = message.SerializeAsString();
  const uint32_t length = static_cast<uint32_t>(body.size());
  std::string frame;
  frame.reserve(kPrefixBytes + body.size());
  frame.push_back('\0');  // not compressed
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  frame += body;
  return frame;
}

absl::StatusOr<std::string> UnframeGrpc(absl::string_view frame) {
  if (frame.size() < kPrefixBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("gRPC frame: ", frame.size(),
                     " bytes, shorter than the 5-byte prefix"));
  }
  if (frame[0] != '\0') {
    return absl::InvalidArgumentError(
        absl::StrCat("gRPC frame: compression flag ",
                     static_cast<int>(static_cast<uint8_t>(frame[0])),
                     ", expected 0 (uncompressed)"));
  }
  uint32_t length = 0;
  for (size_t i = 1; i < kPrefixBytes; ++i) {
    length = (length << 8) | static_cast<uint8_t>(frame[i]);
  }
  if (frame.size() - kPrefixBytes != length) {
    return absl::InvalidArgumentError(
        absl::StrCat("gRPC frame: prefix says ", length, " bytes, ",
                     frame.size() - kPrefixBytes, " follow"));
  }
  return std::string(frame.substr(kPrefixBytes));
}

}  // namespace bench
}  // namespace statstracker
