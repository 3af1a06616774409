#ifndef STATSTRACKER_SERVER_GATEWAY_ROUTE_TABLE_H_
#define STATSTRACKER_SERVER_GATEWAY_ROUTE_TABLE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "server/gateway/path_template.h"

namespace statstracker {
namespace gateway {

// One REST route: an HTTP method and path template bound to an RPC.
struct Route {
  std::string http_method;  // "GET", "POST", ..., or a custom kind
  PathTemplate path;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_path;  // "/statstracker.v1.LeaderboardService/ListEntries"
  std::string body;       // "", "*" or a request field name
  std::string response_body;  // "" or a response field name
  int binding = 0;            // 0 for the rule itself, 1.. additional_bindings
};

// The routes of every service in a set of FileDescriptorSets, derived from
// their standard (google.api.http) options. Types are resolved in a pool built
// from the same descriptor sets (source info kept, for OpenAPI comments), so
// a service needs no generated code linked in to be served; types the sets
// lack (Any payloads) come from the generated types linked in.
class RouteTable {
 public:
  // Each element is a serialized google.protobuf.FileDescriptorSet; a file
  // present in several sets is taken once. INVALID_ARGUMENT for an
  // unparsable set, a bad template or a field that does not exist.
  static absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      const std::vector<std::string>& descriptor_sets);

  struct Match {
    const Route* route = nullptr;
    PathTemplate::Bindings bindings;
  };
  // The route for method and raw path (no query). HEAD takes the GET route
  // (the transport sends the headers without the body). NOT_FOUND if no
  // route's path matches; FAILED_PRECONDITION if some do but not for this
  // method, with `allowed` set to their methods (HEAD included with GET).
  absl::StatusOr<Match> Find(absl::string_view http_method,
                             absl::string_view path,
                             std::vector<std::string>* allowed) const;

  // A new, empty message of `type` (from this table's pool).
  std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type) const;

  // Serialized bytes of a message of `type` as JSON, with `options`; one
  // shared type resolver, so no message object is built for a response.
  absl::Status BinaryToJson(
      const google::protobuf::Descriptor* type, const std::string& bytes,
      const google::protobuf::util::JsonPrintOptions& options,
      std::string* json) const;

  // Every HTTP method some route takes, HEAD included when GET is, sorted.
  std::vector<std::string> Methods() const;

  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return services_;
  }

 private:
  RouteTable() = default;
  absl::Status AddRule(const google::protobuf::MethodDescriptor* method,
                       const google::api::HttpRule& rule, int binding);

  // The descriptor sets' files first, then every generated type linked into
  // the binary (so google.protobuf.Any payloads such as plugin parameters
  // print as JSON).
  std::unique_ptr<google::protobuf::SimpleDescriptorDatabase> set_db_;
  std::unique_ptr<google::protobuf::DescriptorPoolDatabase> generated_db_;
  std::unique_ptr<google::protobuf::MergedDescriptorDatabase> merged_db_;
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  std::vector<Route> routes_;  // most specific first
};

// Resolves a dotted field path ("nested.name") in `type`, by proto or JSON
// names. NOT_FOUND naming the path if a part does not exist;
// INVALID_ARGUMENT if a non-last part is not a singular message.
absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>>
ResolveFieldPath(const google::protobuf::Descriptor* type,
                 absl::string_view path);

// How BuildRequest treats input the request message has no field for.
struct BindingOptions {
  // A JSON body field (or enum name) the message does not have: discarded
  // when false (grpc-gateway v2's default, so a newer client works with an
  // older server), INVALID_ARGUMENT naming it when true
  // (ServerConfig.reject_unknown_json_fields).
  bool reject_unknown_body_fields = false;
};

// Fills `request` from an HTTP request the way grpc-gateway v2 does: the body
// (JSON of the whole request for body "*", of one field for a named body),
// then the path variables, then, for fields bound by neither, the query
// parameters (nested "a.b=1", repeated "ids=a&ids=b", enums by name or
// number, bools, 64-bit integers, RFC 3339 timestamps, base64 bytes).
// Query parameters naming no field are ignored (a cache-buster "?_=123"
// works); a value that does not parse for its field is an error.
// INVALID_ARGUMENT naming the parameter or JSON problem.
absl::Status BuildRequest(
    const Route& route, const PathTemplate::Bindings& bindings,
    const std::vector<std::pair<std::string, std::string>>& query,
    absl::string_view body, google::protobuf::Message* request,
    const BindingOptions& options = BindingOptions());

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_ROUTE_TABLE_H_
