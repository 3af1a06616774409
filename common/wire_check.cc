#include "common/wire_check.h"

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace statstracker {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// protobuf's own parser stops at the same depth.
constexpr int kMaxDepth = 100;

bool IsUtf8Checked(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_STRING &&
         field->file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

std::string Join(absl::string_view parent, absl::string_view child) {
  return parent.empty() ? std::string(child) : absl::StrCat(parent, ".", child);
}

// Whether a packed repeated field's payload holds whole elements.
bool PackedIsWellFormed(absl::string_view value, const FieldDescriptor* field) {
  switch (WireFormatLite::WireTypeForFieldType(
      static_cast<WireFormatLite::FieldType>(field->type()))) {
    case WireFormatLite::WIRETYPE_FIXED32:
      return value.size() % 4 == 0;
    case WireFormatLite::WIRETYPE_FIXED64:
      return value.size() % 8 == 0;
    case WireFormatLite::WIRETYPE_VARINT: {
      CodedInputStream in(reinterpret_cast<const uint8_t*>(value.data()),
                          static_cast<int>(value.size()));
      while (!in.ExpectAtEnd()) {
        uint64_t v;
        if (!in.ReadVarint64(&v)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

class WireChecker {
 public:
  explicit WireChecker(absl::string_view bytes) : total_(bytes.size()) {}

  // Checks one message's bytes; `path` names it ("" for the request).
  absl::Status Check(absl::string_view bytes, const Descriptor* type,
                     const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      return Error(
          path, absl::StrCat("messages nested more than ", kMaxDepth, " deep"));
    }
    CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    in.SetRecursionLimit(kMaxDepth);
    absl::flat_hash_map<int, int> seen;  // field number -> occurrences
    while (!in.ExpectAtEnd()) {
      const uint32_t tag = in.ReadTag();
      const int number =
          static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
      const auto wire = WireFormatLite::GetTagWireType(tag);
      if (tag == 0 || number == 0) {
        return Error(path, "malformed protobuf: bad or truncated field tag");
      }
      const FieldDescriptor* field = type->FindFieldByNumber(number);
      std::string where = path;
      if (field != nullptr) {
        where = Join(path, field->name());
        if (field->is_repeated() && !field->is_map()) {
          absl::StrAppend(&where, "[", seen[number]++, "]");
        }
      }
      switch (wire) {
        case WireFormatLite::WIRETYPE_VARINT: {
          uint64_t v;
          if (!in.ReadVarint64(&v)) return Truncated(where);
          break;
        }
        case WireFormatLite::WIRETYPE_FIXED64: {
          uint64_t v;
          if (!in.ReadLittleEndian64(&v)) return Truncated(where);
          break;
        }
        case WireFormatLite::WIRETYPE_FIXED32: {
          uint32_t v;
          if (!in.ReadLittleEndian32(&v)) return Truncated(where);
          break;
        }
        case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
          uint32_t length;
          if (!in.ReadVarint32(&length)) return Truncated(where);
          const void* data;
          int available;
          // The whole value is in the flat buffer or the input is short.
          if (!in.GetDirectBufferPointer(&data, &available)) available = 0;
          if (length > static_cast<uint32_t>(available)) {
            return Truncated(where);
          }
          absl::string_view value(static_cast<const char*>(data), length);
          in.Skip(static_cast<int>(length));
          if (field == nullptr) break;
          if (IsUtf8Checked(field) && !IsUtf8(value)) {
            return Error(where,
                         absl::StrCat("'", ShownValue(value),
                                      "' is not valid UTF-8; string fields "
                                      "must hold UTF-8 text"));
          }
          if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
            absl::Status nested =
                Check(value, field->message_type(), where, depth + 1);
            if (!nested.ok()) return nested;
          } else if (field->is_repeated() && field->is_packable() &&
                     !PackedIsWellFormed(value, field)) {
            return Error(where,
                         "malformed protobuf: a packed repeated "
                         "value is truncated");
          }
          break;
        }
        case WireFormatLite::WIRETYPE_START_GROUP:
          // Only proto2 has groups; skip it whole (nested groups too).
          if (!WireFormatLite::SkipField(&in, tag)) {
            return Error(where, "malformed protobuf: unterminated group");
          }
          break;
        default:  // END_GROUP without a start, or wire types 6 and 7
          return Error(where, absl::StrCat("malformed protobuf: unexpected "
                                           "wire type ",
                                           static_cast<int>(wire)));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const std::string& where, absl::string_view problem) {
    return FieldError(where.empty() ? "request" : where, problem);
  }
  absl::Status Truncated(const std::string& where) {
    return Error(where, absl::StrCat("malformed protobuf: the value is "
                                     "truncated (message of ",
                                     total_, " bytes)"));
  }

  size_t total_;
};

absl::Status CheckStrings(const Message& message, const std::string& path,
                          int depth) {
  if (depth > kMaxDepth) {
    return FieldError(path, "messages nested too deep");
  }
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string where = Join(path, field->name());
    const bool repeated = field->is_repeated();
    const int count = repeated ? r->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const std::string at = repeated && !field->is_map()
                                 ? absl::StrCat(where, "[", i, "]")
                                 : where;
      if (IsUtf8Checked(field)) {
        std::string scratch;
        const std::string& value =
            repeated
                ? r->GetRepeatedStringReference(message, field, i, &scratch)
                : r->GetStringReference(message, field, &scratch);
        if (!IsUtf8(value)) {
          return FieldError(at, absl::StrCat("'", ShownValue(value),
                                             "' is not valid UTF-8; string "
                                             "fields must hold UTF-8 text"));
        }
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Message& sub = repeated ? r->GetRepeatedMessage(message, field, i)
                                      : r->GetMessage(message, field);
        absl::Status nested = CheckStrings(sub, at, depth + 1);
        if (!nested.ok()) return nested;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckWireFormat(absl::string_view bytes, const Descriptor* type) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    return FieldError("request", "larger than 2 GiB");
  }
  return WireChecker(bytes).Check(bytes, type, "", 0);
}

absl::Status DecodeMessage(absl::string_view bytes, Message* message) {
  absl::Status checked = CheckWireFormat(bytes, message->GetDescriptor());
  if (!checked.ok()) return checked;
  message->Clear();
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    // CheckWireFormat accepts what protobuf accepts, so this is a case it
    // does not know yet; still the client's bytes, not a server fault.
    return FieldError(
        "request",
        absl::StrCat("not a valid ", message->GetDescriptor()->full_name(),
                     " message"));
  }
  return absl::OkStatus();
}

absl::Status CheckUtf8Strings(const Message& message) {
  return CheckStrings(message, "", 0);
}

}  // namespace statstracker
