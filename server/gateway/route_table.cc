#include "server/gateway/route_table.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace statstracker {
namespace gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The JSON parser's messages do not say which part of the request they were
// in; callers prefix them.
absl::Status ParseJson(absl::string_view json, Message* message,
                       absl::string_view where, bool reject_unknown = true) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = !reject_unknown;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

// grpc-gateway's bool syntax (Go's strconv.ParseBool).
bool ParseBool(absl::string_view v, bool* out) {
  static const std::set<std::string> kTrue = {"1",    "t",    "T",
                                              "true", "TRUE", "True"};
  static const std::set<std::string> kFalse = {"0",     "f",     "F",
                                               "false", "FALSE", "False"};
  if (kTrue.count(std::string(v))) {
    *out = true;
    return true;
  }
  if (kFalse.count(std::string(v))) {
    *out = false;
    return true;
  }
  return false;
}

std::string JsonQuote(absl::string_view v) {
  return absl::StrCat("\"", absl::CEscape(v), "\"");
}

// Sets (or appends to, for repeated fields) `field` of `msg` from text.
absl::Status SetFieldFromText(Message* msg, const FieldDescriptor* field,
                              absl::string_view value, absl::string_view name) {
  const Reflection* r = msg->GetReflection();
  const bool rep = field->is_repeated();
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat("parameter '", name,
                                                   "': invalid value '", value,
                                                   "', expected ", expected));
  };
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s(value);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        if (!absl::Base64Unescape(value, &s) &&
            !absl::WebSafeBase64Unescape(value, &s)) {
          return bad("base64 bytes");
        }
      }
      rep ? r->AddString(msg, field, s) : r->SetString(msg, field, s);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a 32-bit integer");
      rep ? r->AddInt32(msg, field, v) : r->SetInt32(msg, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("a 64-bit integer");
      rep ? r->AddInt64(msg, field, v) : r->SetInt64(msg, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v))
        return bad("an unsigned 32-bit integer");
      rep ? r->AddUInt32(msg, field, v) : r->SetUInt32(msg, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v))
        return bad("an unsigned 64-bit integer");
      rep ? r->AddUInt64(msg, field, v) : r->SetUInt64(msg, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return bad("a number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        rep ? r->AddDouble(msg, field, v) : r->SetDouble(msg, field, v);
      } else {
        float f = static_cast<float>(v);
        rep ? r->AddFloat(msg, field, f) : r->SetFloat(msg, field, f);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!ParseBool(value, &v)) return bad("true or false");
      rep ? r->AddBool(msg, field, v) : r->SetBool(msg, field, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = field->enum_type()->FindValueByName(std::string(value));
      int number;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = field->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        std::vector<std::string> names;
        names.reserve(field->enum_type()->value_count());
        for (int i = 0; i < field->enum_type()->value_count(); ++i) {
          names.push_back(field->enum_type()->value(i)->name());
        }
        return bad(absl::StrCat("one of ", absl::StrJoin(names, ", "),
                                " or their numbers"));
      }
      rep ? r->AddEnumValue(msg, field, e->number())
          : r->SetEnumValue(msg, field, e->number());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (field->is_map()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parameter '", name, "': map fields cannot be set from the URL"));
      }
      // Well-known types with a JSON string form (Timestamp, Duration,
      // FieldMask, wrappers) parse from their JSON string.
      Message* sub =
          rep ? r->AddMessage(msg, field) : r->MutableMessage(msg, field);
      std::string as_json = JsonQuote(value);
      const std::string& full = field->message_type()->full_name();
      if (absl::StartsWith(full, "google.protobuf.") &&
          absl::EndsWith(full, "Value")) {
        // Wrappers: numbers and bools are not JSON strings.
        if (full != "google.protobuf.StringValue" &&
            full != "google.protobuf.BytesValue") {
          as_json = std::string(value);
        }
      }
      return ParseJson(as_json, sub, absl::StrCat("parameter '", name, "'"));
    }
  }
  return absl::InternalError("unhandled field type");
}

bool IsBoundBy(absl::string_view field_path,
               const std::vector<std::string>& bound) {
  for (const std::string& b : bound) {
    if (b == "*" || field_path == b ||
        absl::StartsWith(field_path, absl::StrCat(b, "."))) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<const FieldDescriptor*>> ResolveFieldPath(
    const Descriptor* type, absl::string_view path) {
  std::vector<const FieldDescriptor*> fields;
  const Descriptor* current = type;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (current == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field path '", path, "': '", parts[i - 1], "' is not a message"));
    }
    std::string part(parts[i]);
    const FieldDescriptor* f = current->FindFieldByName(part);
    if (f == nullptr) f = current->FindFieldByCamelcaseName(part);
    if (f == nullptr) {
      for (int k = 0; k < current->field_count(); ++k) {
        if (current->field(k)->json_name() == part) f = current->field(k);
      }
    }
    if (f == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("unknown field '", path, "' in ", type->full_name()));
    }
    if (i + 1 < parts.size() &&
        (f->is_repeated() ||
         f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field path '", path, "': '", part, "' is not a singular message"));
    }
    current = f->message_type();
    fields.push_back(f);
  }
  return fields;
}

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(
    const std::vector<std::string>& descriptor_sets) {
  std::unique_ptr<RouteTable> table(new RouteTable());
  table->set_db_ =
      std::make_unique<google::protobuf::SimpleDescriptorDatabase>();
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const std::string& bytes : descriptor_sets) {
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(bytes)) {
      return absl::InvalidArgumentError("unparsable FileDescriptorSet");
    }
    for (const auto& file : set.file()) {
      if (!seen.insert(file.name()).second) continue;
      table->set_db_->Add(file);
      names.push_back(file.name());
    }
  }
  table->generated_db_ =
      std::make_unique<google::protobuf::DescriptorPoolDatabase>(
          *google::protobuf::DescriptorPool::generated_pool());
  table->merged_db_ =
      std::make_unique<google::protobuf::MergedDescriptorDatabase>(
          table->set_db_.get(), table->generated_db_.get());
  table->pool_ = std::make_unique<google::protobuf::DescriptorPool>(
      table->merged_db_.get());
  std::vector<const google::protobuf::FileDescriptor*> files;
  for (const std::string& name : names) {
    const auto* built = table->pool_->FindFileByName(name);
    if (built == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "descriptor set file ", name, " does not build (missing imports?)"));
    }
    files.push_back(built);
  }
  table->factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(
      table->pool_.get());
  table->resolver_.reset(
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", table->pool_.get()));
  for (const auto* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      bool routed = false;
      for (int m = 0; m < service->method_count(); ++m) {
        const auto* method = service->method(m);
        // Options of a pool-built file are parsed with the generated
        // extension registry, so the linked-in extension is known.
        if (!method->options().HasExtension(google::api::http)) continue;
        const google::api::HttpRule& rule =
            method->options().GetExtension(google::api::http);
        if (auto st = table->AddRule(method, rule, 0); !st.ok()) return st;
        for (int b = 0; b < rule.additional_bindings_size(); ++b) {
          if (auto st =
                  table->AddRule(method, rule.additional_bindings(b), b + 1);
              !st.ok()) {
            return st;
          }
        }
        routed = true;
      }
      if (routed) table->services_.push_back(service);
    }
  }
  std::stable_sort(table->routes_.begin(), table->routes_.end(),
                   [](const Route& a, const Route& b) {
                     return a.path.MoreSpecificThan(b.path);
                   });
  return table;
}

absl::Status RouteTable::AddRule(
    const google::protobuf::MethodDescriptor* method,
    const google::api::HttpRule& rule, int binding) {
  Route route;
  route.method = method;
  route.binding = binding;
  route.grpc_path =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  std::string pattern;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET";
      pattern = rule.get();
      break;
    case google::api::HttpRule::kPut:
      route.http_method = "PUT";
      pattern = rule.put();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST";
      pattern = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE";
      pattern = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      route.http_method = "PATCH";
      pattern = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      route.http_method = absl::AsciiStrToUpper(rule.custom().kind());
      pattern = rule.custom().path();
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          method->full_name(), ": HTTP rule without a method and path"));
  }
  auto path = PathTemplate::Parse(pattern);
  if (!path.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": ", path.status().message()));
  }
  route.path = *std::move(path);
  for (const auto& var : route.path.variables()) {
    auto fields = ResolveFieldPath(method->input_type(), var.field_path);
    if (!fields.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": ", fields.status().message()));
    }
  }
  route.body = rule.body();
  if (!route.body.empty() && route.body != "*") {
    const auto* f = method->input_type()->FindFieldByName(route.body);
    if (f == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": body field '", route.body,
                       "' not in ", method->input_type()->full_name()));
    }
  }
  route.response_body = rule.response_body();
  if (!route.response_body.empty() &&
      method->output_type()->FindFieldByName(route.response_body) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        method->full_name(), ": response_body field '", route.response_body,
        "' not in ", method->output_type()->full_name()));
  }
  routes_.push_back(std::move(route));
  return absl::OkStatus();
}

absl::StatusOr<RouteTable::Match> RouteTable::Find(
    absl::string_view http_method, absl::string_view path,
    std::vector<std::string>* allowed) const {
  Match match;
  std::set<std::string> methods;
  // HEAD is GET without the body (RFC 9110 9.3.2).
  const absl::string_view routed = http_method == "HEAD" ? "GET" : http_method;
  for (const Route& route : routes_) {
    if (route.http_method == routed) {
      if (route.path.Match(path, &match.bindings)) {
        match.route = &route;
        return match;
      }
    } else if (!methods.count(route.http_method) &&
               route.path.Match(path, nullptr)) {
      methods.insert(route.http_method);
    }
  }
  if (methods.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no route for ", http_method, " ", path));
  }
  if (methods.count("GET")) methods.insert("HEAD");
  if (allowed != nullptr) allowed->assign(methods.begin(), methods.end());
  return absl::FailedPreconditionError(
      absl::StrCat("method ", http_method, " not allowed for ", path,
                   "; allowed: ", absl::StrJoin(methods, ", ")));
}

std::vector<std::string> RouteTable::Methods() const {
  std::set<std::string> methods;
  for (const Route& route : routes_) methods.insert(route.http_method);
  if (methods.count("GET")) methods.insert("HEAD");
  return {methods.begin(), methods.end()};
}

absl::Status RouteTable::BinaryToJson(
    const Descriptor* type, const std::string& bytes,
    const google::protobuf::util::JsonPrintOptions& options,
    std::string* json) const {
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver_.get(), absl::StrCat("type.googleapis.com/", type->full_name()),
      bytes, json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("response to JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

std::unique_ptr<Message> RouteTable::NewMessage(const Descriptor* type) const {
  return std::unique_ptr<Message>(factory_->GetPrototype(type)->New());
}

absl::Status BuildRequest(
    const Route& route, const PathTemplate::Bindings& bindings,
    const std::vector<std::pair<std::string, std::string>>& query,
    absl::string_view body, Message* request, const BindingOptions& options) {
  const bool reject_unknown = options.reject_unknown_body_fields;
  const Descriptor* type = request->GetDescriptor();
  std::vector<std::string> bound;
  // 1. The body.
  if (route.body == "*") {
    bound.push_back("*");
    if (!absl::StripAsciiWhitespace(body).empty()) {
      if (auto st = ParseJson(body, request, "request body", reject_unknown);
          !st.ok()) {
        return st;
      }
    }
  } else if (!route.body.empty()) {
    bound.push_back(route.body);
    if (!absl::StripAsciiWhitespace(body).empty()) {
      const FieldDescriptor* f = type->FindFieldByName(route.body);
      // Parse {"<field>": <body>} so any field kind (message, repeated,
      // scalar) takes the body with the standard JSON mapping.
      if (auto st = ParseJson(
              absl::StrCat("{\"", f->json_name(), "\":", body, "}"), request,
              absl::StrCat("request body (field ", route.body, ")"),
              reject_unknown);
          !st.ok()) {
        return st;
      }
    }
  }
  // 2. Path variables override the body.
  for (const auto& [field_path, value] : bindings) {
    auto fields = ResolveFieldPath(type, field_path);
    if (!fields.ok()) return fields.status();
    Message* msg = request;
    for (size_t i = 0; i + 1 < fields->size(); ++i) {
      msg = msg->GetReflection()->MutableMessage(msg, (*fields)[i]);
    }
    const FieldDescriptor* leaf = fields->back();
    if (leaf->is_repeated()) msg->GetReflection()->ClearField(msg, leaf);
    if (auto st = SetFieldFromText(msg, leaf, value,
                                   absl::StrCat("path ", field_path));
        !st.ok()) {
      return st;
    }
    bound.push_back(field_path);
  }
  // 3. Query parameters for what is left (ignored when the body is the
  // whole request, as grpc-gateway does).
  if (route.body == "*") return absl::OkStatus();
  std::set<std::string> seen_singular;
  for (const auto& [name, value] : query) {
    auto fields = ResolveFieldPath(type, name);
    // No such field: ignored, as grpc-gateway v2 does (cache-busters,
    // tracking parameters, fields of a newer API version).
    if (absl::IsNotFound(fields.status())) continue;
    if (!fields.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query parameter '", name, "': ", fields.status().message()));
    }
    std::vector<std::string> proto_names;
    for (const auto* f : *fields) proto_names.push_back(f->name());
    std::string canonical = absl::StrJoin(proto_names, ".");
    if (IsBoundBy(canonical, bound)) continue;
    const FieldDescriptor* leaf = fields->back();
    if (!leaf->is_repeated() && !seen_singular.insert(canonical).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter '", name,
                       "' given more than once but the field is not repeated"));
    }
    Message* msg = request;
    for (size_t i = 0; i + 1 < fields->size(); ++i) {
      msg = msg->GetReflection()->MutableMessage(msg, (*fields)[i]);
    }
    if (auto st =
            SetFieldFromText(msg, leaf, value, absl::StrCat("query ", name));
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace gateway
}  // namespace statstracker
