#include "fuzz/api_routes.h"

#include <string>

#include "fuzz/fuzz_check.h"
#include "server/gateway/api_descriptor_set.h"
#include "server/gateway/testing/echo_descriptor_set.h"

namespace statstracker {
namespace fuzz {

const gateway::RouteTable& ApiAndEchoRoutes() {
  static const auto* table = [] {
    auto built = gateway::RouteTable::Build(
        {std::string(gateway::embedded::ApiDescriptorSet()),
         std::string(gateway::testing::embedded::EchoDescriptorSet())});
    Check(built.ok());
    return built->release();
  }();
  return *table;
}

}  // namespace fuzz
}  // namespace statstracker
