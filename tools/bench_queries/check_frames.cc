// check_frames: sends each frame write_frames wrote, byte for byte, to the
// server through a real gRPC client, once, and checks the call succeeds
// (grpc-status 0) with the answer the benchmark expects. h2load counts an
// HTTP 200 as success even when the gRPC status in the trailers is an error,
// so tools/bench_queries runs this before timing anything.
#include <chrono>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/flags_usage.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench_queries/query_frames.h"

ABSL_FLAG(std::string, server, "", "gRPC address of the server");
ABSL_FLAG(std::string, dir, "", "Directory write_frames wrote to");
ABSL_FLAG(std::string, game, "arcade", "Game of the board");
ABSL_FLAG(std::string, board, "total", "Board the calls read");
ABSL_FLAG(std::string, player, "", "Player of the rank and around calls");

namespace statstracker {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// One unary call with the frame's message as the request body; the answer
// description, or what went wrong (the gRPC status included).
absl::StatusOr<std::string> Check(grpc::GenericStub* stub,
                                  const bench::BenchRpc& rpc,
                                  const std::string& frame_path,
                                  const std::string& player) {
  auto frame = ReadFile(frame_path);
  if (!frame.ok()) return frame.status();
  auto body = bench::UnframeGrpc(*frame);
  if (!body.ok()) return body.status();
  grpc::Slice slice(*body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  stub->UnaryCall(
      &ctx, rpc.method, grpc::StubOptions(), &request, &response,
      [&done](const grpc::Status& status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("grpc-status ", status.error_code(),
                                            ": ", status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::InternalError("cannot read the response");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!rpc.response->ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat(
        "the response is not a ", rpc.response->GetDescriptor()->full_name()));
  }
  return bench::DescribeAnswer(rpc, *rpc.response, player);
}

int Main() {
  const std::string server = absl::GetFlag(FLAGS_server);
  const std::string dir = absl::GetFlag(FLAGS_dir);
  const std::string player = absl::GetFlag(FLAGS_player);
  if (server.empty() || dir.empty() || player.empty()) {
    std::cerr << "check_frames: --server, --dir and --player are required\n";
    return 2;
  }
  grpc::GenericStub stub(
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  int failures = 0;
  for (const bench::BenchRpc& rpc : bench::BenchRpcs(
           absl::GetFlag(FLAGS_game), absl::GetFlag(FLAGS_board), player)) {
    auto answer = Check(&stub, rpc, dir + "/" + rpc.name + ".grpc", player);
    if (answer.ok()) {
      std::cout << rpc.name << " " << rpc.method << ": grpc-status 0, "
                << *answer << "\n";
    } else {
      std::cout << rpc.name << " " << rpc.method << ": FAILED "
                << answer.status().message() << "\n";
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(sends each request frame write_frames wrote to a server once
through a real gRPC client and checks it succeeds (grpc-status 0) with the
expected answer; exits 1 if one does not.

usage: check_frames --server HOST:PORT --dir DIR --player ID [--game G]
           [--board B])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Main();
}
