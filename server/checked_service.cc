#include "server/checked_service.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "grpcpp/support/slice.h"

namespace statstracker {
namespace server {

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

const char* CheckedService::AddName(absl::string_view method) {
  methods_added_.emplace_back(method);
  paths_.push_back(absl::StrCat("/", service_->full_name(), "/", method));
  return paths_.back().c_str();
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
