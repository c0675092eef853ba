// The frame codec: byte layout, checksum coverage, size limits, and what counts as a format error.
#include <gtest/gtest.h>

#include "test_util.h"
#include "walkv/wal_format.h"

namespace walkv::wal {
namespace {

using test::Fixed32;

TEST(WalFormat, FrameRoundTripsThroughDecode) {
  std::string frame;
  ASSERT_TRUE(AppendFrame({7, Op::kPut, "apple", "red"}, &frame).ok());
  ASSERT_EQ(frame.size(), kFrameOverheadBytes + kPayloadHeaderBytes + 5 + 3);
  const uint32_t length = DecodeFixed32(frame.data());
  RecordView r;
  ASSERT_TRUE(DecodePayload(std::string_view(frame).substr(kLengthBytes, length), &r).ok());
  EXPECT_EQ(r.sequence, 7u);
  EXPECT_EQ(r.op, Op::kPut);
  EXPECT_EQ(r.key, "apple");
  EXPECT_EQ(r.value, "red");
}

TEST(WalFormat, LayoutIsLengthSequenceOpKeyLengthValueLengthKeyValueChecksum) {
  std::string frame;
  ASSERT_TRUE(AppendFrame({0x0102030405060708ULL, Op::kDel, "k", ""}, &frame).ok());
  const std::string expected_payload = std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) + "\x02" +
                                       std::string("\x01\x00", 2) + std::string(4, '\0') + "k";
  EXPECT_EQ(frame.substr(0, 4), Fixed32(16));
  EXPECT_EQ(frame.substr(4, 16), expected_payload);
  EXPECT_EQ(frame.substr(20), Fixed32(FrameChecksum(frame.data(), 20)));
}

TEST(WalFormat, ChecksumIsZlibCrc32) {
  // The CRC-32 check value: ISA-L's crc32_gzip_refl agrees with zlib's crc32 (ISA-L's crc32_ieee would not).
  const std::string digits = "123456789";
  EXPECT_EQ(FrameChecksum(digits.data(), digits.size()), 0xCBF43926u);
}

TEST(WalFormat, ChecksumOfEmptyInputIsZeroSoItMustCoverTheLength) {
  // docs/design-notes.md §1.3: CRC-32("") == 0, so [len 0][][crc 0] would validate if the length were not covered.
  EXPECT_EQ(FrameChecksum("", 0), 0u);
  const std::string zero_length(4, '\0');
  EXPECT_EQ(FrameChecksum(zero_length.data(), 4), 0x2144DF1Cu);
}

TEST(WalFormat, EmptyKeyIsRejectedOnWrite) {
  std::string frame;
  EXPECT_EQ(AppendFrame({1, Op::kPut, "", "v"}, &frame).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(frame.empty());
}

TEST(WalFormat, OversizedPayloadIsRejectedOnWrite) {
  std::string frame;
  const std::string value(kMaxPayloadBytes - kPayloadHeaderBytes, 'x');  // one byte too many with a 1-byte key
  EXPECT_EQ(AppendFrame({1, Op::kPut, "k", value}, &frame).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(frame.empty());
  const std::string largest(kMaxPayloadBytes - kPayloadHeaderBytes - 1, 'x');
  EXPECT_TRUE(AppendFrame({1, Op::kPut, "k", largest}, &frame).ok());
  EXPECT_EQ(frame.size(), kMaxFrameBytes);
}

TEST(WalFormat, DelWithValueIsRejectedOnWrite) {
  std::string frame;
  EXPECT_EQ(AppendFrame({1, Op::kDel, "k", "v"}, &frame).code(), Status::Code::kInvalidArgument);
}

std::string Payload(uint8_t op, uint16_t key_bytes, uint32_t value_bytes, const std::string& rest) {
  std::string p(8, '\x01');
  p.push_back(static_cast<char>(op));
  p.append(reinterpret_cast<const char*>(&key_bytes), 2);
  p.append(Fixed32(value_bytes));
  return p + rest;
}

TEST(WalFormat, UnknownOpIsAFormatError) {
  RecordView r;
  EXPECT_EQ(DecodePayload(Payload(9, 1, 1, "kv"), &r).code(), Status::Code::kFormatError);
}

TEST(WalFormat, LengthsThatDoNotAddUpAreAFormatError) {
  RecordView r;
  EXPECT_EQ(DecodePayload(Payload(1, 1, 5, "kv"), &r).code(), Status::Code::kFormatError);
  EXPECT_EQ(DecodePayload(Payload(1, 0, 1, "v"), &r).code(), Status::Code::kFormatError);
  EXPECT_EQ(DecodePayload(Payload(1, 1, 1, "kv") + "extra", &r).code(), Status::Code::kFormatError);
  EXPECT_EQ(DecodePayload(std::string(kMinPayloadBytes - 1, '\x01'), &r).code(), Status::Code::kFormatError);
  EXPECT_TRUE(DecodePayload(Payload(1, 1, 1, "kv"), &r).ok());
}

TEST(WalFormat, DelWithValueIsAFormatErrorOnRead) {
  RecordView r;
  EXPECT_EQ(DecodePayload(Payload(2, 1, 1, "kv"), &r).code(), Status::Code::kFormatError);
  EXPECT_TRUE(DecodePayload(Payload(2, 1, 0, "k"), &r).ok());
}

}  // namespace
}  // namespace walkv::wal
