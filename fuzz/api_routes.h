#ifndef STATSTRACKER_FUZZ_API_ROUTES_H_
#define STATSTRACKER_FUZZ_API_ROUTES_H_

#include "server/gateway/route_table.h"

namespace statstracker {
namespace fuzz {

// The gateway's routes for the statstracker.v1 API and the echo test
// service (custom verbs, PUT/PATCH, named bodies), built once.
const gateway::RouteTable& ApiAndEchoRoutes();

}  // namespace fuzz
}  // namespace statstracker

#endif  // STATSTRACKER_FUZZ_API_ROUTES_H_
