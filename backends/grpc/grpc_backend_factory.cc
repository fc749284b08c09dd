// The contract choice at start-up.
#include "backends/grpc/grpc_backend_factory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "backends/grpc/grpc_backend.h"
#include "backends/grpc/grpc_store.h"

namespace memgate::backends {

absl::StatusOr<GrpcBackendSelection> MakeGrpcBackend(GrpcBackendOptions options, bool pass_through,
                                                     WrapPlainStore wrap) {
  absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(std::move(options));
  if (!channel.ok()) return channel.status();
  GrpcBackendSelection selection;
  selection.channel = *channel;
  if (!pass_through) {
    absl::StatusOr<ServiceContract> contract = ProbeServiceContractBlocking(*channel);
    if (!contract.ok()) {
      return absl::Status(contract.status().code(),
                          absl::StrCat("--grpc-target ", (*channel)->options().target, ": ",
                                       contract.status().message()));
    }
    selection.contract = *contract;
    selection.full_contract = contract->full();
  }
  if (selection.full_contract) {
    selection.backend = std::make_unique<GrpcBackend>(*channel, selection.contract.explicit_cas);
  } else {
    selection.backend = wrap(std::make_unique<GrpcStore>(*channel));
  }
  return selection;
}

}  // namespace memgate::backends
