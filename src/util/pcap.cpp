#include "atmsigd/util/pcap.hpp"

#include <array>

namespace atmsigd {
namespace {

constexpr std::uint32_t kLinktypeSunAtm = 123;

void put32le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put16le(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

}  // namespace

PcapSunAtmWriter::~PcapSunAtmWriter() {
  close();
}

bool PcapSunAtmWriter::open(const std::string& path) {
  close();
  path_ = path;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return false;
  std::array<std::uint8_t, 24> hdr{};
  put32le(&hdr[0], 0xa1b2c3d4);  // microsecond-resolution pcap, little endian
  put16le(&hdr[4], 2);
  put16le(&hdr[6], 4);
  put32le(&hdr[16], 65535);  // snaplen
  put32le(&hdr[20], kLinktypeSunAtm);
  bytes_ = std::fwrite(hdr.data(), 1, hdr.size(), file_);
  std::fflush(file_);
  return true;
}

void PcapSunAtmWriter::close() {
  if (file_ != nullptr) std::fclose(file_);
  file_ = nullptr;
}

void PcapSunAtmWriter::write(PcapDirection dir, std::uint8_t vpi, std::uint16_t vci, ByteView sdu,
                             std::uint64_t usec) {
  if (file_ == nullptr) return;
  if (max_bytes_ != 0 && bytes_ + 20 + sdu.size() > max_bytes_ && bytes_ > 24) rotate();
  if (file_ == nullptr) return;
  std::array<std::uint8_t, 20> rec{};
  const auto len = static_cast<std::uint32_t>(sdu.size() + 4);
  put32le(&rec[0], static_cast<std::uint32_t>(usec / 1000000));
  put32le(&rec[4], static_cast<std::uint32_t>(usec % 1000000));
  put32le(&rec[8], len);
  put32le(&rec[12], len);
  rec[16] = dir == PcapDirection::kToNetwork ? 0x80 : 0x00;
  rec[17] = vpi;
  rec[18] = static_cast<std::uint8_t>(vci >> 8);
  rec[19] = static_cast<std::uint8_t>(vci);
  bytes_ += std::fwrite(rec.data(), 1, rec.size(), file_);
  bytes_ += std::fwrite(sdu.data(), 1, sdu.size(), file_);
  std::fflush(file_);
}

void PcapSunAtmWriter::rotate() {
  close();
  auto name = [&](unsigned i) { return i == 0 ? path_ : path_ + "." + std::to_string(i); };
  std::remove(name(keep_).c_str());
  for (unsigned i = keep_; i > 0; --i) std::rename(name(i - 1).c_str(), name(i).c_str());
  open(path_);
}

}  // namespace atmsigd
