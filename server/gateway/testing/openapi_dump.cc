// Prints the gateway's OpenAPI document for the statstracker.v1 API and the
// test-only echo service, for tests/gateway_openapi_test.sh to validate.
#include <iostream>

#include "server/gateway/openapi.h"
#include "server/gateway/route_table.h"
#include "server/gateway/testing/echo_service.h"

int main() {
  using namespace statstracker::gateway;
  auto routes = RouteTable::Build({std::string(ApiDescriptorSet()),
                                   std::string(testing::EchoDescriptorSet())});
  if (!routes.ok()) {
    std::cerr << routes.status() << std::endl;
    return 1;
  }
  // As the server documents it by default: AdminService needs an API key.
  OpenApiOptions options;
  options.authenticated_services = {"statstracker.v1.AdminService"};
  std::cout << BuildOpenApiJson(**routes, options) << std::endl;
  return 0;
}
