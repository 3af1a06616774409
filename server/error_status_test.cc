#include "server/error_status.h"

#include <string>

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ErrorStatus, FieldErrorsCarryBadRequestDetails) {
  grpc::Status status =
      ToGrpcStatus(FieldError("player_ids[2]", "must not be empty"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "player_ids[2]: must not be empty");
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(status.error_details()));
  EXPECT_EQ(rpc.code(), 3);
  EXPECT_EQ(rpc.message(), status.error_message());
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "player_ids[2]");
  EXPECT_EQ(bad.field_violations(0).description(), "must not be empty");
}

TEST(ErrorStatus, FieldFromTheMessageWhenNotRecorded) {
  google::rpc::Status rpc =
      ToRpcStatus(absl::InvalidArgumentError("page_size: must be 1 to 1000"));
  ASSERT_EQ(rpc.details_size(), 1);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(rpc.details(0).UnpackTo(&bad));
  EXPECT_EQ(bad.field_violations(0).field(), "page_size");
}

TEST(ErrorStatus, OtherErrorsHaveNoDetails) {
  grpc::Status status = ToGrpcStatus(absl::NotFoundError("game_id: unknown"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "game_id: unknown");
  EXPECT_EQ(status.error_details(), "");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ErrorStatus, ServerFaultsHideInternalAddresses) {
  grpc::Status status = ToGrpcStatus(absl::UnavailableError(
      "redis 10.1.2.3:6390 unreachable: Connection refused"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("10.1.2.3")));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("6390")));
  EXPECT_THAT(status.error_message(), HasSubstr("retry later"));
  grpc::Status internal =
      ToGrpcStatus(absl::InternalError("unexpected EXEC reply: nil"));
  EXPECT_EQ(internal.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(internal.error_message(), Not(HasSubstr("EXEC")));
}

TEST(ErrorStatus, MessagesAreBounded) {
  const std::string huge(10240, 'x');
  grpc::Status status = ToGrpcStatus(absl::NotFoundError(huge));
  EXPECT_LE(status.error_message().size(), kMaxMessageBytes);
  EXPECT_THAT(status.error_message(), HasSubstr("…"));
  // Cut at a UTF-8 boundary.
  std::string letters;
  for (int i = 0; i < 600; ++i) letters += "é";
  std::string cut = BoundMessage(letters, 101);
  EXPECT_LE(cut.size(), 101u);
  EXPECT_TRUE(IsUtf8(cut));
  EXPECT_EQ(BoundMessage("short"), "short");
}

}  // namespace
}  // namespace server
}  // namespace statstracker
