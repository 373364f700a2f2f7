// Fuzz target: plain MQTT payloads (anyone who may publish to the broker writes them). Reading a
// value never crashes and never throws, whatever the bytes, for raw payloads and for a JSON
// pointer with a timestamp pointer, for every tag type; and the topic matcher takes any topic.
// Seed corpus: tests/fuzz/corpus/mqtt_topic_value_fuzz.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "field/mqtt/plain_topics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gantry;
  using namespace gantry::mqtt;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const TopicAddress kAddresses[] = {
      TopicAddress{"plant/+/temp", false, "", "", TimestampUnit::kMilliseconds, "", false},
      TopicAddress{"plant/#", true, "/t/value", "/ts", TimestampUnit::kMilliseconds, "", false},
      TopicAddress{"plant/#", true, "/a/0", "/time", TimestampUnit::kSeconds, "", false},
      TopicAddress{"plant/#", true, "", "", TimestampUnit::kNanoseconds, "", false},
  };
  for (const TopicAddress& a : kAddresses) {
    for (ValueType type :
         {ValueType::kDouble, ValueType::kInt64, ValueType::kBool, ValueType::kString}) {
      TagConfig tag;
      tag.type = type;
      Result<std::pair<Value, Timestamp>> v = ExtractTopicValue(a, tag, bytes, 42);
      if (v.ok() && v->first.type() != type) abort();  // a value always has the tag's type
    }
  }
  (void)TopicMatches("plant/+/temp/#", bytes);
  (void)TopicMatches(bytes, "plant/line3/oven/temp");
  return 0;
}
