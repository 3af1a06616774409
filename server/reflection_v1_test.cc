// AnswerReflectionRequest on the generated pool of a binary that links the
// API, the google.api annotations and the health proto, as the server does.
#include "server/reflection_v1.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace server {
namespace {

using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kServices = {
    "statstracker.v1.LeaderboardService", "grpc.health.v1.Health"};

class ReflectionV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    // Linked in; touching them keeps the linker from dropping them.
    v1::ListEntriesRequest::descriptor();
    grpc::health::v1::HealthCheckRequest::descriptor();
  }

  ServerReflectionResponse Ask(const ServerReflectionRequest& request) {
    return AnswerReflectionRequest(
        request, kServices, *google::protobuf::DescriptorPool::generated_pool(),
        &files_sent_);
  }

  // The names of the files in a file_descriptor_response, in order.
  static std::vector<std::string> FileNames(
      const ServerReflectionResponse& response) {
    std::vector<std::string> names;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      EXPECT_TRUE(file.ParseFromString(bytes));
      names.push_back(file.name());
    }
    return names;
  }

  std::set<std::string> files_sent_;
};

TEST_F(ReflectionV1Test, ListsTheGivenServices) {
  ServerReflectionRequest request;
  request.set_host("h");
  request.set_list_services("*");
  ServerReflectionResponse r = Ask(request);
  EXPECT_EQ(r.valid_host(), "h");
  EXPECT_EQ(r.original_request().list_services(), "*");
  ASSERT_EQ(r.list_services_response().service_size(), 2);
  EXPECT_EQ(r.list_services_response().service(1).name(),
            "grpc.health.v1.Health");
}

TEST_F(ReflectionV1Test, HealthIsDescribable) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("grpc.health.v1.Health");
  ServerReflectionResponse r = Ask(request);
  ASSERT_FALSE(r.has_error_response()) << r.error_response().error_message();
  EXPECT_THAT(FileNames(r), ElementsAre("grpc/health/v1/health.proto"));
  // A method name is a symbol too.
  request.set_file_containing_symbol("grpc.health.v1.Health.Check");
  EXPECT_THAT(FileNames(Ask(request)),
              ElementsAre("grpc/health/v1/health.proto"));
}

TEST_F(ReflectionV1Test, AFileComesWithItsImportsOncePerStream) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("statstracker.v1.LeaderboardService");
  std::vector<std::string> first = FileNames(Ask(request));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first[0], "statstracker/v1/leaderboard.proto");
  for (const char* import :
       {"google/api/annotations.proto", "google/api/http.proto",
        "google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto",
        "statstracker/v1/config.proto"}) {
    EXPECT_THAT(first, ::testing::Contains(import));
  }
  // Asked again on the same stream: the file itself, no imports again.
  EXPECT_THAT(FileNames(Ask(request)),
              ElementsAre("statstracker/v1/leaderboard.proto"));
  // By file name, on the same stream: only what is new.
  request.set_file_by_filename("google/api/annotations.proto");
  EXPECT_THAT(FileNames(Ask(request)),
              ElementsAre("google/api/annotations.proto"));
}

TEST_F(ReflectionV1Test, Extensions) {
  ServerReflectionRequest request;
  request.mutable_file_containing_extension()->set_containing_type(
      "google.protobuf.MethodOptions");
  request.mutable_file_containing_extension()->set_extension_number(72295728);
  EXPECT_THAT(FileNames(Ask(request)),
              ::testing::Contains("google/api/annotations.proto"));
  request.set_all_extension_numbers_of_type("google.protobuf.MethodOptions");
  ServerReflectionResponse r = Ask(request);
  EXPECT_EQ(r.all_extension_numbers_response().base_type_name(),
            "google.protobuf.MethodOptions");
  EXPECT_THAT(r.all_extension_numbers_response().extension_number(),
              ::testing::Contains(72295728));
}

TEST_F(ReflectionV1Test, UnknownNamesAreNotFound) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("no.such.Service");
  ServerReflectionResponse r = Ask(request);
  EXPECT_EQ(r.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(r.error_response().error_message(), HasSubstr("no.such.Service"));
  request.set_file_by_filename("no/such.proto");
  EXPECT_EQ(Ask(request).error_response().error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.mutable_file_containing_extension()->set_containing_type(
      "google.protobuf.MethodOptions");
  request.mutable_file_containing_extension()->set_extension_number(1);
  EXPECT_THAT(Ask(request).error_response().error_message(),
              HasSubstr("extension not found"));
  request.set_all_extension_numbers_of_type("no.Such");
  EXPECT_EQ(Ask(request).error_response().error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Ask(ServerReflectionRequest()).error_response().error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace server
}  // namespace statstracker
