#include "server/watch_stream.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_duration.h"
#include "server/board_reads.h"
#include "server/checked_service.h"
#include "server/delay_queue.h"
#include "server/error_status.h"

namespace statstracker {
namespace server {
namespace {

absl::Duration WatchInterval(const v1::StatsTrackerConfig& config) {
  absl::Duration interval = ProtoDuration(config.server().watch_min_interval());
  return interval > absl::ZeroDuration() ? interval : absl::Milliseconds(500);
}

// One watch update: the top `top_n` entries and, if `player` is set, the
// player's own entry. Two script calls.
void LoadUpdate(RedisMux* mux, const ResolvedBoard& board, int top_n,
                const std::string& player, AnswerDone done) {
  ReadPage(mux, board.ref, top_n, std::nullopt,
           [mux, board, player,
            done = std::move(done)](absl::StatusOr<BoardPage> page) {
             if (!page.ok()) return done(page.status());
             auto update = std::make_shared<v1::WatchLeaderboardResponse>();
             for (auto& entry : page->entries) {
               *update->add_entries() = std::move(entry);
             }
             update->set_total_count(page->total);
             update->set_period(board.period_out);
             if (player.empty()) return done(EncodeAnswer(*update));
             ReadAround(mux, board.ref, player, 0,
                        [update, done](absl::StatusOr<AroundPlayer> around) {
                          if (!around.ok()) return done(around.status());
                          if (around->player.has_value()) {
                            *update->mutable_player_entry() =
                                *std::move(around->player);
                          }
                          done(EncodeAnswer(*update));
                        });
           });
}

}  // namespace

WatchStream::WatchStream(const ServiceEnv* env,
                         v1::WatchLeaderboardRequest request, int top_n)
    : env_(env), request_(std::move(request)), top_n_(top_n) {}

void WatchStream::Start() { Poll(); }

bool WatchStream::Over() {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_ || finished_ ||
         (env_->shutting_down != nullptr && env_->shutting_down->load());
}

void WatchStream::Poll() {
  if (Over()) return End(grpc::Status::OK);
  // Re-resolved each time: with an empty period the board follows
  // rollovers to the new current period.
  auto board = ResolveBoard(*env_, request_.game_id(),
                            request_.leaderboard_id(), request_.period());
  if (!board.ok()) return End(ToGrpcStatus(board.status()));
  std::string key = absl::StrCat(
      "watch|", board->ref.board_id.size(), ":", board->ref.board_id, "|",
      board->ref.period.size(), ":", board->ref.period, "|", top_n_, "|",
      request_.player_id().size(), ":", request_.player_id());
  Hold();
  auto load = [mux = env_->mux, resolved = *board, top_n = top_n_,
               player = request_.player_id()](AnswerDone loaded) {
    LoadUpdate(mux, resolved, top_n, player, std::move(loaded));
  };
  AnswerDone deliver = [this](absl::StatusOr<Answer> answer) {
    Deliver(std::move(answer));
    Release();
  };
  FetchAnswer(*env_, board->ref.game_id, std::move(key), load,
              std::move(deliver));
}

void WatchStream::Deliver(absl::StatusOr<Answer> answer) {
  if (!answer.ok()) return End(ToGrpcStatus(answer.status()));
  if (Over()) return End(grpc::Status::OK);
  const std::string& bytes = (*answer)->proto();
  if (sent_any_ && bytes == last_sent_) return WaitForNextPoll();
  last_sent_ = bytes;
  sent_any_ = true;
  out_ = AnswerToByteBuffer(*answer);
  StartWrite(&out_);
}

void WatchStream::OnWriteDone(bool ok) {
  if (!ok) return End(grpc::Status::OK);  // the client is gone
  WaitForNextPoll();
}

void WatchStream::WaitForNextPoll() {
  Hold();
  env_->delays->RunAfter(WatchInterval(*env_->config), [this] {
    Poll();
    Release();
  });
}

void WatchStream::OnCancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
}

void WatchStream::End(const grpc::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
  }
  Finish(status);
}

void WatchStream::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  ++pending_;
}

void WatchStream::Release() {
  bool last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = --pending_ == 0 && done_;
  }
  if (last) delete this;
}

void WatchStream::OnDone() {
  bool last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    last = pending_ == 0;
  }
  if (last) delete this;
}

}  // namespace server
}  // namespace statstracker
