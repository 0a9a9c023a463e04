// pcap capture of the signaling link in LINKTYPE_SUNATM (123): per packet a
// 4-octet header (flags with bit 7 = direction, low nibble 0 = AAL5 "unknown"
// traffic type; VPI; VCI big-endian) and then the AAL5 CPCS-SDU, i.e. the SSCOP
// PDU. Wireshark/tshark dissect VPI 0 / VCI 5 as SSCOP -> Q.2931 without any
// decode-as option.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "atmsigd/util/bytes.hpp"

namespace atmsigd {

enum class PcapDirection : std::uint8_t { kFromNetwork = 0, kToNetwork = 1 };

class PcapSunAtmWriter {
 public:
  PcapSunAtmWriter() = default;
  ~PcapSunAtmWriter();
  PcapSunAtmWriter(const PcapSunAtmWriter&) = delete;
  PcapSunAtmWriter& operator=(const PcapSunAtmWriter&) = delete;

  // Opens (truncates) the file and writes the global header; false on error.
  bool open(const std::string& path);
  // Rotation by size: before a record would take the file past `max_bytes`,
  // FILE becomes FILE.1 (FILE.1 becomes FILE.2, ... up to `keep` old files)
  // and a new FILE is started. 0 turns rotation off.
  void set_rotation(std::uint64_t max_bytes, unsigned keep = 4) {
    max_bytes_ = max_bytes;
    keep_ = keep;
  }
  bool is_open() const { return file_ != nullptr; }
  void close();

  // Wall-clock timestamp in microseconds since the epoch.
  void write(PcapDirection dir, std::uint8_t vpi, std::uint16_t vci, ByteView sdu,
             std::uint64_t usec_since_epoch);
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  void rotate();
  std::FILE* file_ = nullptr;
  std::string path_;
  std::uint64_t bytes_ = 0;
  std::uint64_t max_bytes_ = 0;
  unsigned keep_ = 4;
};

}  // namespace atmsigd
