// ReflectionService: one bidi reactor per stream answers each request in
// turn from the descriptor pool; v1 and v1alpha share the code through
// templates, their messages being the same but for the package.
#include "admin/reflection_service.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"

namespace memgate::admin {

namespace v1 = grpc::reflection::v1;
namespace v1alpha = grpc::reflection::v1alpha;

template <typename Request, typename Response>
class ReflectionService::Stream final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit Stream(const ReflectionService& service) : service_(service) {
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client is done asking (or gone).
      this->Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    service_.Answer(request_, response_);
    this->StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::CANCELLED);
      return;
    }
    this->StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const ReflectionService& service_;
  Request request_;
  Response response_;
};

template <typename Base, typename Request, typename Response>
class ReflectionService::Endpoint final : public Base {
 public:
  explicit Endpoint(const ReflectionService& service) : service_(service) {}

  grpc::ServerBidiReactor<Request, Response>* ServerReflectionInfo(
      grpc::CallbackServerContext* context) override {
    return new Stream<Request, Response>(service_);
  }

 private:
  const ReflectionService& service_;
};

absl::StatusOr<std::unique_ptr<ReflectionService>> ReflectionService::Create(
    std::string_view descriptor_set, std::vector<std::string> services) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(descriptor_set.data(), static_cast<int>(descriptor_set.size()))) {
    return absl::InternalError("the built-in descriptor set does not parse");
  }
  std::unique_ptr<ReflectionService> reflection(new ReflectionService());
  // protoc --include_imports writes each file after its imports.
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (reflection->pool_.BuildFile(file) == nullptr) {
      return absl::InternalError(
          absl::StrCat("the built-in descriptor of ", file.name(), " does not build"));
    }
    reflection->files_[file.name()] = file.SerializeAsString();
  }
  reflection->services_ = std::move(services);
  reflection->v1_ =
      std::make_unique<Endpoint<v1::ServerReflection::CallbackService, v1::ServerReflectionRequest,
                                v1::ServerReflectionResponse>>(*reflection);
  reflection->v1alpha_ = std::make_unique<
      Endpoint<v1alpha::ServerReflection::CallbackService, v1alpha::ServerReflectionRequest,
               v1alpha::ServerReflectionResponse>>(*reflection);
  return reflection;
}

ReflectionService::~ReflectionService() = default;

grpc::Service* ReflectionService::v1() { return v1_.get(); }

grpc::Service* ReflectionService::v1alpha() { return v1alpha_.get(); }

template <typename Response>
void ReflectionService::AddFileWithImports(const google::protobuf::FileDescriptor* file,
                                           Response& out) const {
  absl::flat_hash_set<const google::protobuf::FileDescriptor*> added;
  std::vector<const google::protobuf::FileDescriptor*> todo = {file};
  while (!todo.empty()) {
    const google::protobuf::FileDescriptor* next = todo.back();
    todo.pop_back();
    if (!added.insert(next).second) continue;
    out.mutable_file_descriptor_response()->add_file_descriptor_proto(files_.at(next->name()));
    for (int i = 0; i < next->dependency_count(); ++i) todo.push_back(next->dependency(i));
  }
}

template <typename Request, typename Response>
void ReflectionService::Answer(const Request& request, Response& response) const {
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  auto not_found = [&response](std::string message) {
    response.mutable_error_response()->set_error_code(grpc::StatusCode::NOT_FOUND);
    response.mutable_error_response()->set_error_message(std::move(message));
  };
  switch (request.message_request_case()) {
    case Request::kFileByFilename: {
      const auto* file = pool_.FindFileByName(request.file_by_filename());
      if (file == nullptr) {
        return not_found(absl::StrCat("file not found: ", request.file_by_filename()));
      }
      return AddFileWithImports(file, response);
    }
    case Request::kFileContainingSymbol: {
      const auto* file = pool_.FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr) {
        return not_found(absl::StrCat("symbol not found: ", request.file_containing_symbol()));
      }
      return AddFileWithImports(file, response);
    }
    case Request::kFileContainingExtension: {
      const auto& wanted = request.file_containing_extension();
      const auto* type = pool_.FindMessageTypeByName(wanted.containing_type());
      const auto* extension =
          type == nullptr ? nullptr : pool_.FindExtensionByNumber(type, wanted.extension_number());
      if (extension == nullptr) {
        return not_found(absl::StrCat("extension not found: ", wanted.containing_type(), " ",
                                      wanted.extension_number()));
      }
      return AddFileWithImports(extension->file(), response);
    }
    case Request::kAllExtensionNumbersOfType: {
      const auto* type = pool_.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        return not_found(absl::StrCat("type not found: ", request.all_extension_numbers_of_type()));
      }
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool_.FindAllExtensions(type, &extensions);
      auto* out = response.mutable_all_extension_numbers_response();
      out->set_base_type_name(type->full_name());
      for (const auto* extension : extensions) out->add_extension_number(extension->number());
      return;
    }
    case Request::kListServices:
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(name);
      }
      return;
    default:
      response.mutable_error_response()->set_error_code(grpc::StatusCode::INVALID_ARGUMENT);
      response.mutable_error_response()->set_error_message("empty reflection request");
      return;
  }
}

}  // namespace memgate::admin
