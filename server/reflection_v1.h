#ifndef STATSTRACKER_SERVER_REFLECTION_V1_H_
#define STATSTRACKER_SERVER_REFLECTION_V1_H_

#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace statstracker {
namespace server {

// One answer of server reflection, for either protocol version (v1 and
// v1alpha have the same messages): the file descriptors, extension numbers
// or service list asked for, looked up in `pool`, or an error_response
// (NOT_FOUND for an unknown file, symbol, type or extension; UNIMPLEMENTED
// for an empty request). A file asked for is always sent, followed by the
// files it imports (directly or not) that the stream has not been sent yet:
// `files_sent` remembers them across a stream's requests.
grpc::reflection::v1::ServerReflectionResponse AnswerReflectionRequest(
    const grpc::reflection::v1::ServerReflectionRequest& request,
    const std::vector<std::string>& services,
    const google::protobuf::DescriptorPool& pool,
    std::set<std::string>* files_sent);

// grpc.reflection.v1.ServerReflection, which gRPC 1.51 does not ship (it
// serves grpc.reflection.v1alpha only): the same answers from the generated
// descriptor pool, for clients that ask v1 first (buf curl, grpcurl,
// Postman). Sync API, one reply per request, like gRPC's v1alpha service.
class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::Service {
 public:
  // `services`: the full names list_services answers with, i.e. every
  // service the server registers (reflection's included).
  explicit ReflectionV1Service(std::vector<std::string> services)
      : services_(std::move(services)) {}

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>*
          stream) override;

 private:
  const std::vector<std::string> services_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_REFLECTION_V1_H_
