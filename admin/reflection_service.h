// Server reflection (grpc.reflection.v1 and v1alpha) answered from a
// descriptor set built into memgate with source info, so `grpcurl describe`
// shows admin.proto's comments: gRPC's own reflection serves the generated
// descriptor pool, which carries none.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace memgate::admin {

class ReflectionService {
 public:
  // `descriptor_set`: a serialized FileDescriptorSet holding every file the
  // services need, imports included. `services`: the full names
  // list_services answers. INTERNAL when the set does not parse or build.
  static absl::StatusOr<std::unique_ptr<ReflectionService>> Create(
      std::string_view descriptor_set, std::vector<std::string> services);
  ~ReflectionService();

  // Register both: grpcurl asks v1 first, older clients only know v1alpha.
  grpc::Service* v1();
  grpc::Service* v1alpha();

 private:
  template <typename Request, typename Response>
  class Stream;
  template <typename Base, typename Request, typename Response>
  class Endpoint;

  ReflectionService() = default;

  // Fills `response` for one request; the two API versions share it.
  template <typename Request, typename Response>
  void Answer(const Request& request, Response& response) const;
  // Adds `file` and everything it imports, each once, to `out`.
  template <typename Response>
  void AddFileWithImports(const google::protobuf::FileDescriptor* file, Response& out) const;

  google::protobuf::DescriptorPool pool_;
  // File name -> its serialized FileDescriptorProto, comments included.
  absl::flat_hash_map<std::string, std::string> files_;
  std::vector<std::string> services_;
  std::unique_ptr<grpc::Service> v1_;
  std::unique_ptr<grpc::Service> v1alpha_;
};

}  // namespace memgate::admin
