// Default meta operations: a backend that does not override them refuses
// meta commands with a clear reason.
#include "backends/backend.h"

#include <utility>

namespace memgate::backends {
namespace {

template <typename R>
R Unsupported(std::string_view backend) {
  R result;
  result.outcome = Outcome::kUnsupported;
  result.error.message = std::string(backend) + " backend does not support meta commands";
  return result;
}

}  // namespace

void Backend::MetaGet(const ClientContext&, std::string_view, const MetaGetRequest&,
                      Done<MetaGetResult> done) {
  std::move(done)(Unsupported<MetaGetResult>(Name()));
}

void Backend::MetaStore(const ClientContext&, std::string_view, const MetaStoreRequest&,
                        std::string_view, Done<StoreResult> done) {
  std::move(done)(Unsupported<StoreResult>(Name()));
}

void Backend::MetaDelete(const ClientContext&, std::string_view, const MetaDeleteRequest&,
                         Done<DeleteResult> done) {
  std::move(done)(Unsupported<DeleteResult>(Name()));
}

void Backend::MetaArith(const ClientContext&, std::string_view, const MetaArithRequest&,
                        Done<MetaArithResult> done) {
  std::move(done)(Unsupported<MetaArithResult>(Name()));
}

}  // namespace memgate::backends
