#include "server/gateway/openapi.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace statstracker {
namespace gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

Value Str(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}
Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}
Value Obj(std::initializer_list<std::pair<const char*, Value>> kv) {
  Value v;
  auto* f = v.mutable_struct_value()->mutable_fields();
  for (const auto& [k, val] : kv) (*f)[k] = val;
  return v;
}
Value* Field(Value* obj, const std::string& key) {
  return &(*obj->mutable_struct_value()->mutable_fields())[key];
}
Value Ref(const std::string& name) {
  return Obj({{"$ref", Str(absl::StrCat("#/components/schemas/", name))}});
}

// The leading comment of a descriptor, cleaned up for a description.
template <typename D>
std::string Comment(const D* d) {
  google::protobuf::SourceLocation loc;
  if (!d->GetSourceLocation(&loc)) return "";
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(loc.leading_comments, '\n')) {
    lines.push_back(std::string(absl::StripAsciiWhitespace(line)));
  }
  return std::string(absl::StripAsciiWhitespace(absl::StrJoin(lines, "\n")));
}

// The name of the API-key scheme in components.securitySchemes.
constexpr char kBearerScheme[] = "bearerAuth";

class Builder {
 public:
  Builder(const RouteTable& routes, const OpenApiOptions& options)
      : routes_(routes),
        authenticated_(options.authenticated_services.begin(),
                       options.authenticated_services.end()) {}

  std::string Build(const std::string& title, const std::string& version) {
    Value doc = Obj({{"openapi", Str("3.0.3")}});
    Value* info = Field(&doc, "info");
    *Field(info, "title") = Str(title);
    *Field(info, "version") = Str(version);
    std::vector<std::string> service_docs;
    Value tags;
    tags.mutable_list_value();
    for (const auto* service : routes_.services()) {
      Value tag = Obj({{"name", Str(service->name())}});
      std::string c = Comment(service);
      if (!c.empty()) *Field(&tag, "description") = Str(c);
      *tags.mutable_list_value()->add_values() = tag;
      service_docs.push_back(service->full_name());
    }
    *Field(info, "description") = Str(absl::StrCat(
        "REST/JSON gateway for ", absl::StrJoin(service_docs, ", "),
        ", generated from the services' HTTP options."));
    *Field(&doc, "tags") = tags;
    Value* paths = Field(&doc, "paths");
    paths->mutable_struct_value();
    for (const Route& route : routes_.routes()) {
      std::string p = route.path.OpenApiPath();
      Value* item = Field(paths, p);
      std::string method = absl::AsciiStrToLower(route.http_method);
      static const std::set<std::string> kOpenApiMethods = {
          "get", "put", "post", "delete", "options", "head", "patch", "trace"};
      if (!kOpenApiMethods.count(method)) {
        // OpenAPI 3.0 cannot describe custom methods; note them instead.
        std::string note = absl::StrCat(route.http_method, " ", p, " calls ",
                                        route.method->full_name(), ". ");
        Value* d = Field(item, "description");
        d->set_string_value(d->string_value() + note);
        continue;
      }
      if (item->struct_value().fields().count(method)) continue;
      *Field(item, method) = Operation(route);
    }
    Value* components = Field(&doc, "components");
    if (!authenticated_.empty()) {
      *Field(Field(components, "securitySchemes"), kBearerScheme) =
          Obj({{"type", Str("http")},
               {"scheme", Str("bearer")},
               {"description",
                Str("An API key from the server's config (server.api_keys), "
                    "sent as `Authorization: Bearer <key>`.")}});
    }
    Value* schemas = Field(components, "schemas");
    *Field(schemas, "Status") = StatusSchema();
    while (!pending_.empty()) {
      std::string name = *pending_.begin();
      pending_.erase(pending_.begin());
      if (const auto* m = messages_[name]) *Field(schemas, name) = Message(m);
      if (const auto* e = enums_[name]) *Field(schemas, name) = Enum(e);
    }
    std::string out;
    Print(doc, 0, &out);
    out.push_back('\n');
    return out;
  }

 private:
  // Pretty JSON with object keys sorted, so the document is the same on
  // every start (Struct's map has no stable order).
  static void Print(const Value& v, int indent, std::string* out) {
    const std::string pad(indent + 2, ' ');
    switch (v.kind_case()) {
      case Value::kStructValue: {
        const auto& fields = v.struct_value().fields();
        if (fields.empty()) {
          out->append("{}");
          return;
        }
        std::map<std::string, const Value*> sorted;
        for (const auto& [k, val] : fields) sorted[k] = &val;
        out->append("{\n");
        bool first = true;
        for (const auto& [k, val] : sorted) {
          if (!first) out->append(",\n");
          first = false;
          out->append(pad);
          Print(Str(k), indent + 2, out);
          out->append(": ");
          Print(*val, indent + 2, out);
        }
        out->append("\n").append(indent, ' ').append("}");
        return;
      }
      case Value::kListValue: {
        const auto& values = v.list_value().values();
        if (values.empty()) {
          out->append("[]");
          return;
        }
        out->append("[\n");
        for (int i = 0; i < values.size(); ++i) {
          if (i > 0) out->append(",\n");
          out->append(pad);
          Print(values[i], indent + 2, out);
        }
        out->append("\n").append(indent, ' ').append("]");
        return;
      }
      default: {
        std::string scalar;
        (void)google::protobuf::util::MessageToJsonString(v, &scalar);
        out->append(scalar);
        return;
      }
    }
  }

  Value StatusSchema() {
    Value s = Obj({{"type", Str("object")},
                   {"description",
                    Str("An error: the gRPC status code, a message naming the "
                        "problem, and details.")}});
    Value* props = Field(&s, "properties");
    *Field(props, "code") =
        Obj({{"type", Str("integer")}, {"format", Str("int32")}});
    *Field(props, "message") = Obj({{"type", Str("string")}});
    *Field(props, "details") =
        Obj({{"type", Str("array")},
             {"items", Obj({{"type", Str("object")},
                            {"additionalProperties", Bool(true)}})}});
    return s;
  }

  std::string Use(const Descriptor* m) {
    if (!messages_.count(m->full_name())) {
      messages_[m->full_name()] = m;
      pending_.insert(m->full_name());
    }
    return m->full_name();
  }
  std::string Use(const EnumDescriptor* e) {
    if (!enums_.count(e->full_name())) {
      enums_[e->full_name()] = e;
      pending_.insert(e->full_name());
    }
    return e->full_name();
  }

  // The schema of a single value of `f` (ignoring repeated).
  Value Single(const FieldDescriptor* f) {
    switch (f->type()) {
      case FieldDescriptor::TYPE_DOUBLE:
        return Obj({{"type", Str("number")}, {"format", Str("double")}});
      case FieldDescriptor::TYPE_FLOAT:
        return Obj({{"type", Str("number")}, {"format", Str("float")}});
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return Obj({{"type", Str("string")}, {"format", Str("int64")}});
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return Obj({{"type", Str("string")}, {"format", Str("uint64")}});
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return Obj({{"type", Str("integer")}, {"format", Str("int32")}});
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return Obj({{"type", Str("integer")}, {"format", Str("int64")}});
      case FieldDescriptor::TYPE_BOOL:
        return Obj({{"type", Str("boolean")}});
      case FieldDescriptor::TYPE_STRING:
        return Obj({{"type", Str("string")}});
      case FieldDescriptor::TYPE_BYTES:
        return Obj({{"type", Str("string")}, {"format", Str("byte")}});
      case FieldDescriptor::TYPE_ENUM:
        return Ref(Use(f->enum_type()));
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageRefOrWellKnown(f->message_type());
    }
    return Obj({});
  }

  Value MessageRefOrWellKnown(const Descriptor* m) {
    const std::string& n = m->full_name();
    if (n == "google.protobuf.Timestamp") {
      return Obj({{"type", Str("string")}, {"format", Str("date-time")}});
    }
    if (n == "google.protobuf.Duration") {
      return Obj(
          {{"type", Str("string")},
           {"description", Str("Seconds with an 's' suffix, e.g. \"1.5s\".")}});
    }
    if (n == "google.protobuf.FieldMask") return Obj({{"type", Str("string")}});
    if (n == "google.protobuf.Struct") {
      return Obj(
          {{"type", Str("object")}, {"additionalProperties", Bool(true)}});
    }
    if (n == "google.protobuf.Value") return Obj({});
    if (n == "google.protobuf.ListValue") {
      return Obj({{"type", Str("array")}, {"items", Obj({})}});
    }
    if (n == "google.protobuf.Empty") return Obj({{"type", Str("object")}});
    if (n == "google.protobuf.Any") {
      Value v =
          Obj({{"type", Str("object")}, {"additionalProperties", Bool(true)}});
      *Field(Field(&v, "properties"), "@type") = Obj({{"type", Str("string")}});
      return v;
    }
    if (absl::StartsWith(n, "google.protobuf.") && absl::EndsWith(n, "Value") &&
        m->field_count() == 1) {
      return Single(m->field(0));
    }
    return Ref(Use(m));
  }

  Value FieldSchema(const FieldDescriptor* f) {
    Value v;
    if (f->is_map()) {
      v = Obj({{"type", Str("object")},
               {"additionalProperties",
                Single(f->message_type()->FindFieldByName("value"))}});
    } else if (f->is_repeated()) {
      v = Obj({{"type", Str("array")}, {"items", Single(f)}});
    } else {
      v = Single(f);
    }
    std::string c = Comment(f);
    if (!c.empty()) {
      if (v.struct_value().fields().count("$ref")) {
        v = Obj({{"allOf", [&] {
                    Value l;
                    *l.mutable_list_value()->add_values() = v;
                    return l;
                  }()}});
      }
      *Field(&v, "description") = Str(c);
    }
    return v;
  }

  Value Message(const Descriptor* m) {
    Value s = Obj({{"type", Str("object")}});
    std::string c = Comment(m);
    if (!c.empty()) *Field(&s, "description") = Str(c);
    Value* props = Field(&s, "properties");
    props->mutable_struct_value();
    for (int i = 0; i < m->field_count(); ++i) {
      *Field(props, m->field(i)->json_name()) = FieldSchema(m->field(i));
    }
    return s;
  }

  Value Enum(const EnumDescriptor* e) {
    Value s = Obj({{"type", Str("string")}});
    Value* values = Field(&s, "enum");
    std::vector<std::string> docs;
    for (int i = 0; i < e->value_count(); ++i) {
      *values->mutable_list_value()->add_values() = Str(e->value(i)->name());
      std::string c = Comment(e->value(i));
      docs.push_back(
          absl::StrCat("- ", e->value(i)->name(), c.empty() ? "" : ": ", c));
    }
    std::string c = Comment(e);
    *Field(&s, "description") = Str(absl::StrCat(
        c, c.empty() ? "" : "\n\n", "Also accepted as the value's number.\n",
        absl::StrJoin(docs, "\n")));
    return s;
  }

  // Query parameters for every leaf field under `m` not bound elsewhere.
  void QueryParams(const Descriptor* m, const std::string& prefix,
                   const std::set<std::string>& bound, int depth,
                   Value* params) {
    if (depth > 3) return;
    for (int i = 0; i < m->field_count(); ++i) {
      const FieldDescriptor* f = m->field(i);
      std::string name = absl::StrCat(prefix, f->name());
      if (bound.count(name)) continue;
      if (f->is_map()) continue;
      if (f->type() == FieldDescriptor::TYPE_MESSAGE && !f->is_repeated()) {
        Value ws = MessageRefOrWellKnown(f->message_type());
        if (!ws.struct_value().fields().count("$ref")) {
          AddParam(params, name, "query", false, FieldSchema(f), Comment(f));
        } else {
          QueryParams(f->message_type(), name + ".", bound, depth + 1, params);
        }
        continue;
      }
      if (f->type() == FieldDescriptor::TYPE_MESSAGE) continue;
      AddParam(params, name, "query", false, FieldSchema(f), Comment(f));
    }
  }

  void AddParam(Value* params, const std::string& name, const char* in,
                bool required, Value schema, const std::string& description) {
    Value p = Obj({{"name", Str(name)}, {"in", Str(in)}});
    if (required) *Field(&p, "required") = Bool(true);
    // The description is on the parameter; keep the schema plain.
    schema.mutable_struct_value()->mutable_fields()->erase("description");
    *Field(&p, "schema") = schema;
    if (schema.struct_value().fields().count("type") &&
        schema.struct_value().fields().at("type").string_value() == "array") {
      *Field(&p, "explode") = Bool(true);
      *Field(&p, "style") = Str("form");
    }
    if (!description.empty()) *Field(&p, "description") = Str(description);
    *params->mutable_list_value()->add_values() = p;
  }

  Value Operation(const Route& route) {
    const auto* method = route.method;
    Value op =
        Obj({{"operationId",
              Str(absl::StrCat(
                  method->service()->name(), "_", method->name(),
                  route.binding ? absl::StrCat("_", route.binding) : ""))}});
    Value* tags = Field(&op, "tags");
    *tags->mutable_list_value()->add_values() = Str(method->service()->name());
    std::string c = Comment(method);
    *Field(&op, "summary") = Str(method->name());
    if (!c.empty()) *Field(&op, "description") = Str(c);
    Value params;
    params.mutable_list_value();
    std::set<std::string> bound;
    for (const auto& var : route.path.variables()) {
      auto fields = ResolveFieldPath(method->input_type(), var.field_path);
      std::vector<std::string> names;
      for (const auto* f : *fields) names.push_back(f->name());
      bound.insert(absl::StrJoin(names, "."));
      Value schema = FieldSchema(fields->back());
      if (fields->back()->is_repeated())
        schema = Obj({{"type", Str("string")}});
      AddParam(&params, var.field_path, "path", true, schema,
               Comment(fields->back()));
    }
    if (route.body == "*") {
      // The whole request is the body; no query parameters.
    } else {
      if (!route.body.empty()) bound.insert(route.body);
      QueryParams(method->input_type(), "", bound, 0, &params);
    }
    if (!params.list_value().values().empty())
      *Field(&op, "parameters") = params;
    if (!route.body.empty()) {
      Value schema;
      if (route.body == "*") {
        schema = Ref(Use(method->input_type()));
      } else {
        schema = FieldSchema(method->input_type()->FindFieldByName(route.body));
      }
      Value* rb = Field(&op, "requestBody");
      *Field(rb, "required") = Bool(true);
      *Field(Field(Field(rb, "content"), "application/json"), "schema") =
          schema;
    }
    Value result;
    if (route.response_body.empty()) {
      result = Ref(Use(method->output_type()));
    } else {
      result = FieldSchema(
          method->output_type()->FindFieldByName(route.response_body));
    }
    Value* responses = Field(&op, "responses");
    Value* ok = Field(responses, "200");
    if (method->server_streaming()) {
      *Field(ok, "description") =
          Str("A stream: one JSON object per line, {\"result\": <message>} or, "
              "if the stream fails, {\"error\": <Status>}; with Accept: "
              "text/event-stream the same objects as server-sent events.");
      Value line = Obj({{"type", Str("object")}});
      *Field(Field(&line, "properties"), "result") = result;
      *Field(Field(&line, "properties"), "error") = Ref("Status");
      Value* content = Field(ok, "content");
      *Field(Field(content, "application/x-ndjson"), "schema") = line;
      *Field(Field(content, "text/event-stream"), "schema") =
          Obj({{"type", Str("string")}});
    } else {
      *Field(ok, "description") = Str("A successful response.");
      *Field(Field(Field(ok, "content"), "application/json"), "schema") =
          result;
    }
    if (authenticated_.count(method->service()->full_name())) {
      Value requirement;
      (*requirement.mutable_struct_value()->mutable_fields())[kBearerScheme]
          .mutable_list_value();
      *Field(&op, "security")->mutable_list_value()->add_values() = requirement;
      Value* unauthenticated = Field(responses, "401");
      *Field(unauthenticated, "description") =
          Str("No API key, or not a bearer token (UNAUTHENTICATED); a key "
              "that is not accepted gets 403 (PERMISSION_DENIED).");
      *Field(Field(Field(unauthenticated, "content"), "application/json"),
             "schema") = Ref("Status");
    }
    Value* def = Field(responses, "default");
    *Field(def, "description") = Str(
        "An error; HTTP status from the gRPC code as grpc-gateway maps it.");
    *Field(Field(Field(def, "content"), "application/json"), "schema") =
        Ref("Status");
    return op;
  }

  const RouteTable& routes_;
  const std::set<std::string> authenticated_;
  std::map<std::string, const Descriptor*> messages_;
  std::map<std::string, const EnumDescriptor*> enums_;
  std::set<std::string> pending_;
};

}  // namespace

std::string BuildOpenApiJson(const RouteTable& routes,
                             const OpenApiOptions& options) {
  return Builder(routes, options).Build(options.title, options.version);
}

}  // namespace gateway
}  // namespace statstracker
