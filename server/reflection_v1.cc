#include "server/reflection_v1.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"

namespace statstracker {
namespace server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

void SetError(grpc::StatusCode code, const std::string& message,
              ServerReflectionResponse* response) {
  response->mutable_error_response()->set_error_code(code);
  response->mutable_error_response()->set_error_message(message);
}

void AddFile(const FileDescriptor* file, ServerReflectionResponse* response) {
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  proto.SerializeToString(response->mutable_file_descriptor_response()
                              ->add_file_descriptor_proto());
}

// The files a stream has not been sent yet among those `file` imports,
// directly or not.
void AddUnsentImports(const FileDescriptor* file,
                      std::set<std::string>* files_sent,
                      ServerReflectionResponse* response) {
  for (int i = 0; i < file->dependency_count(); ++i) {
    const FileDescriptor* dependency = file->dependency(i);
    if (!files_sent->insert(dependency->name()).second) continue;
    AddFile(dependency, response);
    AddUnsentImports(dependency, files_sent, response);
  }
}

// The file asked for (always, so an answer is never empty) and the imports
// the stream lacks.
void AnswerFile(const FileDescriptor* file, std::set<std::string>* files_sent,
                ServerReflectionResponse* response) {
  files_sent->insert(file->name());
  AddFile(file, response);
  AddUnsentImports(file, files_sent, response);
}

}  // namespace

ServerReflectionResponse AnswerReflectionRequest(
    const ServerReflectionRequest& request,
    const std::vector<std::string>& services, const DescriptorPool& pool,
    std::set<std::string>* files_sent) {
  ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kFileByFilename: {
      const FileDescriptor* file =
          pool.FindFileByName(request.file_by_filename());
      if (file == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("file not found: ",
                              request.file_by_filename().substr(0, 200)),
                 &response);
      } else {
        AnswerFile(file, files_sent, &response);
      }
      break;
    }
    case ServerReflectionRequest::kFileContainingSymbol: {
      const FileDescriptor* file =
          pool.FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("symbol not found: ",
                              request.file_containing_symbol().substr(0, 200)),
                 &response);
      } else {
        AnswerFile(file, files_sent, &response);
      }
      break;
    }
    case ServerReflectionRequest::kFileContainingExtension: {
      const auto& ext = request.file_containing_extension();
      const Descriptor* type =
          pool.FindMessageTypeByName(ext.containing_type());
      const FieldDescriptor* field =
          type == nullptr
              ? nullptr
              : pool.FindExtensionByNumber(type, ext.extension_number());
      if (field == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat(type == nullptr ? "type not found: "
                                              : "extension not found: ",
                              ext.containing_type().substr(0, 200), " ",
                              ext.extension_number()),
                 &response);
      } else {
        AnswerFile(field->file(), files_sent, &response);
      }
      break;
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const Descriptor* type =
          pool.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat(
                     "type not found: ",
                     request.all_extension_numbers_of_type().substr(0, 200)),
                 &response);
        break;
      }
      std::vector<const FieldDescriptor*> extensions;
      pool.FindAllExtensions(type, &extensions);
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const FieldDescriptor* e : extensions) {
        numbers->add_extension_number(e->number());
      }
      break;
    }
    case ServerReflectionRequest::kListServices: {
      auto* list = response.mutable_list_services_response();
      for (const std::string& name : services) {
        list->add_service()->set_name(name);
      }
      break;
    }
    case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      SetError(grpc::StatusCode::UNIMPLEMENTED,
               "empty request: set one of file_by_filename, "
               "file_containing_symbol, file_containing_extension, "
               "all_extension_numbers_of_type or list_services",
               &response);
      break;
  }
  return response;
}

grpc::Status ReflectionV1Service::ServerReflectionInfo(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<ServerReflectionResponse, ServerReflectionRequest>*
        stream) {
  std::set<std::string> files_sent;
  ServerReflectionRequest request;
  while (stream->Read(&request)) {
    if (!stream->Write(AnswerReflectionRequest(
            request, services_, *DescriptorPool::generated_pool(),
            &files_sent))) {
      break;  // the client went away
    }
  }
  (void)context;
  return grpc::Status::OK;
}

}  // namespace server
}  // namespace statstracker
