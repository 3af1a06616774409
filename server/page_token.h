#ifndef STATSTRACKER_SERVER_PAGE_TOKEN_H_
#define STATSTRACKER_SERVER_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statstracker {
namespace server {

// Where a page of ListEntries ended: the last entry's stored ZSET score and
// member. The next page starts right after that (score, member) position, so
// paging stays correct while scores change: entries that did not move are
// neither skipped nor repeated.
struct PageCursor {
  double stored_score = 0;
  std::string member;
};

// The opaque page token for `cursor` on one board period (the scope is
// fingerprinted into the token so a token of another board is rejected):
// URL-safe base64 of a version byte, the scope fingerprint, the score's bits
// and the member bytes.
std::string EncodePageToken(const PageCursor& cursor, absl::string_view scope);

// Parses a token made by EncodePageToken for the same scope. INVALID_ARGUMENT
// naming `page_token` if it is malformed or belongs to another board/period.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token,
                                           absl::string_view scope);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_PAGE_TOKEN_H_
