#ifndef STATSTRACKER_SERVER_CALLBACK_THREADS_H_
#define STATSTRACKER_SERVER_CALLBACK_THREADS_H_

namespace statstracker {
namespace server {

// Keeps gRPC's shared callback threads alive until the process exits.
//
// gRPC 1.51 runs callback-API completions on a process-wide thread pool
// that it starts with the first user (a callback server or channel) and
// tears down when the last one goes. If that last reference is dropped on
// one of the pool's own threads (a completion that releases a channel or
// server), the pool joins itself, the join fails silently and the queue is
// freed under a running thread: an abort in grpc_cq_internal_unref, seen
// about once in 20 runs of tests that start and stop servers and gateways
// (fixed upstream after 1.51: grpc/grpc#32584). One reference held for the
// process's life means the pool is never torn down while it runs. Idempotent
// and thread-safe; costs one idle channel.
void PinGrpcCallbackThreads();

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_CALLBACK_THREADS_H_
