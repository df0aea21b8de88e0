#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::http::dto {

// Appends compact JSON text to a string it does not own, byte for byte as Boost.JSON 1.81's
// serializer writes the same values (no whitespace; strings escaped by its rules, see String), so
// the encoder can write responses without building a DOM first.
//
// The writer places the commas; the caller keeps the structure well formed (every value inside
// an object preceded by Key, Begin/End paired). Not thread-safe; the string must outlive it.
// Only allocation failure throws.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // `"key":`; the key is escaped like any string.
  void Key(std::string_view key);

  void Null() { Literal("null"); }
  void Bool(bool b) { Literal(b ? std::string_view("true") : std::string_view("false")); }
  void Int(int64_t i);
  // Boost.JSON's form of a double ("1.5E0", "1E20"); null for NaN and infinities, which JSON
  // cannot write (Boost.JSON itself would write the invalid "NaN" and "Infinity").
  void Double(double d);
  // A quoted string. `"` and `\` are escaped, as are the control characters 0x00-0x1F:
  // `\b \t \n \f \r` by name, the rest as `\u00xx` with lowercase hex. Everything else, DEL,
  // `/` and UTF-8 (valid or not) included, is copied as is.
  void String(std::string_view s);
  // "2026-03-27T09:00:00.000Z", the text core::FormatIso8601Millis gives, as a string.
  void Timestamp(core::Millis t);

  // One string value written in pieces, so that callers need not concatenate first:
  // BeginString, any number of StringPiece / TimestampPiece, EndString.
  void BeginString();
  void StringPiece(std::string_view s);
  void TimestampPiece(core::Millis t);
  void EndString();

  // An already serialised JSON value, written as given.
  void Raw(std::string_view json);

 private:
  void Separate() {
    if (need_comma_) out_.push_back(',');
  }
  void Open(char c);
  void Close(char c) {
    out_.push_back(c);
    need_comma_ = true;
  }
  void Literal(std::string_view text);
  void Quoted(std::string_view s, bool colon);

  std::string& out_;
  // A value has just been completed at the current level, so the next key or element needs a
  // comma. Begin* and Key clear it: the first member and a key's value take none.
  bool need_comma_ = false;
};

}  // namespace backbeat::http::dto
