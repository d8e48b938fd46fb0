// Builds pclntab bytes for tests: any of the four layouts, either byte order,
// 4- or 8-byte pointers, with names, files and pc-value tables chosen by the test.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lang/go/pclntab.h"

namespace exray::testing {

/// One function: its entry (an offset from the text base for 1.18+, an
/// absolute address before), and (value, pc bytes) runs for its line and
/// file-number tables; the file number indexes PclnSpec::files.
struct FuncSpec {
  std::string name;
  uint64_t entry = 0;
  std::vector<std::pair<int32_t, uint64_t>> lines;
  std::vector<std::pair<int32_t, uint64_t>> files;
  // Go 1.18+ only: runs of the inline tree index (pcdata 2) and the inline
  // tree's offset from gofunc (funcdata 3); no inline data when inl is empty.
  std::vector<std::pair<int32_t, uint64_t>> inl;
  uint32_t inltree_off = 0;
};

struct PclnSpec {
  go::PclnVersion version = go::PclnVersion::kGo118;
  Endian endian = Endian::kLittle;
  uint8_t ptr_size = 8;
  uint8_t quantum = 1;
  uint64_t text_start = 0;
  std::vector<std::string> files;
  std::vector<FuncSpec> funcs;
  uint64_t end = 0;  // the functab's final entry (end of the last function)
};

/// Go's pc-value encoding: zig-zag value deltas, pc deltas divided by the quantum, a 0 at the end.
inline void PutUvarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}
inline std::vector<uint8_t> EncodePcValue(const std::vector<std::pair<int32_t, uint64_t>>& runs, uint8_t quantum) {
  std::vector<uint8_t> out;
  int32_t prev = -1;
  for (auto [value, pcbytes] : runs) {
    int64_t d = int64_t{value} - prev;
    uint64_t uv = d < 0 ? ((~static_cast<uint64_t>(d)) << 1) | 1 : static_cast<uint64_t>(d) << 1;
    PutUvarint(out, uv);
    PutUvarint(out, pcbytes / quantum);
    prev = value;
  }
  out.push_back(0);
  return out;
}

class Bytes {
 public:
  explicit Bytes(Endian e) : e_(e) {}
  std::vector<uint8_t> v;
  void Put(uint64_t x, int n) {
    for (int i = 0; i < n; ++i) {
      int shift = e_ == Endian::kLittle ? 8 * i : 8 * (n - 1 - i);
      v.push_back(static_cast<uint8_t>(x >> shift));
    }
  }
  void Set(uint64_t off, uint64_t x, int n) {
    for (int i = 0; i < n; ++i) {
      int shift = e_ == Endian::kLittle ? 8 * i : 8 * (n - 1 - i);
      v[off + i] = static_cast<uint8_t>(x >> shift);
    }
  }
  void Str(const std::string& s) {
    v.insert(v.end(), s.begin(), s.end());
    v.push_back(0);
  }
  void Append(const std::vector<uint8_t>& b) { v.insert(v.end(), b.begin(), b.end()); }
  void Align(uint64_t a) {
    while (v.size() % a) v.push_back(0);
  }

 private:
  Endian e_;
};

inline uint32_t MagicOf(go::PclnVersion v) {
  switch (v) {
    case go::PclnVersion::kGo12: return 0xfffffffb;
    case go::PclnVersion::kGo116: return 0xfffffffa;
    case go::PclnVersion::kGo118: return 0xfffffff0;
    case go::PclnVersion::kGo120: return 0xfffffff1;
  }
  return 0;
}

inline std::vector<uint8_t> BuildPclntab(const PclnSpec& s) {
  using go::PclnVersion;
  const int ps = s.ptr_size;
  const bool v118 = s.version == PclnVersion::kGo118 || s.version == PclnVersion::kGo120;
  const int fs = v118 ? 4 : ps;
  const uint64_t n = s.funcs.size();
  Bytes b(s.endian);
  b.Put(MagicOf(s.version), 4);
  b.Put(0, 2);
  b.v.push_back(s.quantum);
  b.v.push_back(s.ptr_size);

  // Sub-tables built separately, then placed.
  Bytes names(s.endian), filetab(s.endian), cutab(s.endian), pctab(s.endian);
  std::vector<uint32_t> name_off, line_off, file_off, inl_off;
  pctab.v.push_back(0);  // offset 0 means "no table"
  for (const FuncSpec& f : s.funcs) {
    name_off.push_back(static_cast<uint32_t>(names.v.size()));
    names.Str(f.name);
    line_off.push_back(static_cast<uint32_t>(pctab.v.size()));
    pctab.Append(EncodePcValue(f.lines, s.quantum));
    file_off.push_back(static_cast<uint32_t>(pctab.v.size()));
    pctab.Append(EncodePcValue(f.files, s.quantum));
    inl_off.push_back(static_cast<uint32_t>(pctab.v.size()));
    if (!f.inl.empty()) pctab.Append(EncodePcValue(f.inl, s.quantum));
  }

  if (s.version == PclnVersion::kGo12) {
    // Everything is relative to the pclntab start: header word, functab,
    // filetab offset, _func records, names, pctab, filetab. File numbers start at 1.
    b.Put(n, ps);
    const uint64_t functab_off = b.v.size();
    for (uint64_t i = 0; i < 2 * n + 1; ++i) b.Put(0, ps);
    const uint64_t filetab_ptr = b.v.size();
    b.Put(0, 4);
    b.Align(ps);
    std::vector<uint64_t> func_at;
    for (uint64_t i = 0; i < n; ++i) {
      func_at.push_back(b.v.size());
      b.Put(s.funcs[i].entry, ps);
      for (int k = 0; k < 8; ++k) b.Put(0, 4);  // nameoff..nfuncdata, patched below
    }
    const uint64_t names_at = b.v.size();
    b.Append(names.v);
    const uint64_t pctab_at = b.v.size();
    b.Append(pctab.v);
    // File names, then the filetab: u32 count, u32 offsets (index 0 unused).
    std::vector<uint32_t> fname_at;
    for (const std::string& f : s.files) {
      fname_at.push_back(static_cast<uint32_t>(b.v.size()));
      b.Str(f);
    }
    b.Align(4);
    const uint64_t filetab_at = b.v.size();
    b.Put(s.files.size() + 1, 4);
    for (uint32_t a : fname_at) b.Put(a, 4);
    b.Set(filetab_ptr, filetab_at, 4);
    for (uint64_t i = 0; i < n; ++i) {
      b.Set(functab_off + 2 * i * ps, s.funcs[i].entry, ps);
      b.Set(functab_off + (2 * i + 1) * ps, func_at[i], ps);
      b.Set(func_at[i] + ps, names_at + name_off[i], 4);
      b.Set(func_at[i] + ps + 16, pctab_at + file_off[i], 4);
      b.Set(func_at[i] + ps + 20, pctab_at + line_off[i], 4);
    }
    b.Set(functab_off + 2 * n * ps, s.end, ps);
    return b.v;
  }

  // 1.16+: header words, then funcnametab, cutab, filetab, pctab, pclntable.
  const int words = v118 ? 8 : 7;
  const uint64_t hdr_words = b.v.size();
  for (int i = 0; i < words; ++i) b.Put(0, ps);
  auto set_word = [&](int i, uint64_t x) { b.Set(hdr_words + i * ps, x, ps); };
  set_word(0, n);
  set_word(1, s.files.size());
  int k = 2;
  if (v118) set_word(k++, s.text_start);
  set_word(k++, b.v.size());
  b.Append(names.v);
  std::vector<uint32_t> fname_at;
  for (const std::string& f : s.files) {
    fname_at.push_back(static_cast<uint32_t>(filetab.v.size()));
    filetab.Str(f);
  }
  set_word(k++, b.v.size());
  for (uint32_t a : fname_at) b.Put(a, 4);  // one compilation unit, cuOffset 0
  set_word(k++, b.v.size());
  b.Append(filetab.v);
  set_word(k++, b.v.size());
  b.Append(pctab.v);
  b.Align(ps);
  const uint64_t pcln_at = b.v.size();
  set_word(k++, pcln_at);
  for (uint64_t i = 0; i < 2 * n + 1; ++i) b.Put(0, fs);
  b.Align(ps);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t at = b.v.size();
    b.Set(pcln_at + 2 * i * fs, s.funcs[i].entry, fs);
    b.Set(pcln_at + (2 * i + 1) * fs, at - pcln_at, fs);
    b.Put(s.funcs[i].entry, fs);
    b.Put(name_off[i], 4);
    b.Put(0, 4);  // args
    b.Put(0, 4);  // deferreturn
    b.Put(0, 4);  // pcsp
    b.Put(file_off[i], 4);
    b.Put(line_off[i], 4);
    const bool inl = v118 && !s.funcs[i].inl.empty();
    b.Put(inl ? 3 : 0, 4);  // npcdata
    b.Put(0, 4);            // cuOffset
    if (s.version == PclnVersion::kGo120) b.Put(0, 4);  // startLine
    b.Put(0, 3);            // funcID, flag, pad
    b.v.push_back(inl ? 4 : 0);  // nfuncdata
    if (inl) {
      b.Put(0, 4), b.Put(0, 4), b.Put(inl_off[i], 4);  // pcdata: sp delta, stack map, inline tree index
      for (int k = 0; k < 3; ++k) b.Put(0xffffffff, 4);  // nil funcdata 0-2
      b.Put(s.funcs[i].inltree_off, 4);                  // FUNCDATA_InlTree
    }
    b.Align(ps);
  }
  b.Set(pcln_at + 2 * n * fs, s.end, fs);
  return b.v;
}

}  // namespace exray::testing
