// write_frames: writes the requests tools/bench_queries times with h2load as
// raw gRPC frames (query_frames.h), one file per call: <out_dir>/<name>.grpc
// (top10, rank, around), and the call's HTTP/2 path in <out_dir>/<name>.path.
#include <fstream>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/flags_usage.h"
#include "tools/bench_queries/query_frames.h"

ABSL_FLAG(std::string, out_dir, "", "Directory to write the frames to");
ABSL_FLAG(std::string, game, "arcade", "Game of the board");
ABSL_FLAG(std::string, board, "total", "Board the calls read");
ABSL_FLAG(std::string, player, "", "Player of the rank and around calls");

namespace statstracker {
namespace {

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) std::cerr << "write_frames: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

int Main() {
  const std::string dir = absl::GetFlag(FLAGS_out_dir);
  const std::string player = absl::GetFlag(FLAGS_player);
  if (dir.empty() || player.empty()) {
    std::cerr << "write_frames: --out_dir and --player are required\n";
    return 2;
  }
  for (const bench::BenchRpc& rpc : bench::BenchRpcs(
           absl::GetFlag(FLAGS_game), absl::GetFlag(FLAGS_board), player)) {
    const std::string stem = dir + "/" + rpc.name;
    if (!WriteFile(stem + ".grpc", bench::GrpcFrame(*rpc.request)) ||
        !WriteFile(stem + ".path", rpc.method)) {
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(writes the top10, rank and around requests of
tools/bench_queries as raw gRPC frames (5-byte prefix + message) for
`h2load -d`, and each call's HTTP/2 path beside it.

usage: write_frames --out_dir DIR --player ID [--game G] [--board B])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Main();
}
