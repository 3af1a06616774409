#include "server/checked_service.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grpcpp/support/slice.h"

namespace statstracker {
namespace server {
namespace {

// A write reactor that only finishes: what a stream refused at the edge
// gets. Deletes itself when gRPC is done with it.
class FinishedStreamReactor final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FinishedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

std::string ByteBufferBytes(const grpc::ByteBuffer& buffer) {
  std::string bytes;
  std::vector<grpc::Slice> slices;
  if (!buffer.Valid() || !buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer SerializeToByteBuffer(
    const google::protobuf::MessageLite& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer AnswerToByteBuffer(const Answer& answer) {
  grpc::Slice slice(answer->proto());
  return grpc::ByteBuffer(&slice, 1);
}

CallInfo CallInfoOf(const grpc::CallbackServerContext& context) {
  CallInfo call;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    call.authorization = std::string(it->second.data(), it->second.size());
  }
  const auto deadline = context.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    call.deadline = absl::FromChrono(deadline);
  }
  return call;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* FinishedStream(
    const grpc::Status& status) {
  return new FinishedStreamReactor(status);
}

int CheckedService::AddName(absl::string_view method) {
  methods_added_.emplace_back(method);
  paths_.push_back(absl::StrCat("/", service_->full_name(), "/", method));
  return static_cast<int>(methods_added_.size()) - 1;
}

const CheckedService::RawUnary* CheckedService::FindUnary(
    absl::string_view path) const {
  auto it = raw_unary_.find(path);
  return it == raw_unary_.end() ? nullptr : &it->second;
}

absl::Status CheckedService::CheckComplete() const {
  std::vector<std::string> missing;
  for (int i = 0; i < service_->method_count(); ++i) {
    const std::string& name = service_->method(i)->name();
    if (std::find(methods_added_.begin(), methods_added_.end(), name) ==
        methods_added_.end()) {
      missing.push_back(name);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(service_->full_name(), ": no handler for ",
                   absl::StrJoin(missing, ", ")));
}

}  // namespace server
}  // namespace statstracker
