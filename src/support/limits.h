// Every cap on input-driven work, in one place: table entries, name lengths,
// decompressed bytes, loop and pc-value steps, scan windows, symbols sampled,
// recursion depth, file-size thresholds, output caps and tracer limits.
// docs/limits.md gives each one's reason and what the report says when it is
// hit; tests/limits/check_limits.py keeps the two in step and fails on a cap
// defined anywhere else in src/.
#pragma once

#include <cstddef>
#include <cstdint>

// ---- support: reading files and collecting warnings ----------------------
namespace exray {

/// Files up to this size are read whole: one read beats mapping them.
inline constexpr uint64_t kWholeReadLimit = 64u << 10;
/// Files up to this size are read in chunks when only a few ranges are needed.
inline constexpr uint64_t kSparseReadLimit = 4u << 20;
/// Mapped ranges this large are populated at once (one fault instead of many).
inline constexpr uint64_t kPopulateMin = 256u << 10;
/// Mappings guarded against SIGBUS at once; exray -j uses at most 8.
inline constexpr int kGuardSlots = 64;
/// Distinct warnings kept per file; a crafted file cannot grow the list without bound.
inline constexpr size_t kMaxWarnings = 200;

/// A LEB128 of a 64-bit value takes at most 10 bytes (7 bits each): the
/// Reader's bound on a SLEB128 (a ULEB128's follows from its width).
inline constexpr unsigned kMaxLeb128Bytes = 10;
}  // namespace exray

// ---- Mach-O --------------------------------------------------------------
namespace exray::macho {

/// Load commands read from one image; real images have a few dozen.
inline constexpr uint64_t kMaxMachoLoadCommands = 1u << 16;
/// Sections read from all segments together; real images have under a hundred.
inline constexpr uint64_t kMaxMachoSections = 1u << 16;
/// Tools listed by one LC_BUILD_VERSION; linkers write one to three.
inline constexpr uint64_t kMaxMachoBuildTools = 64;
/// Architecture records read from a universal file; real ones have two to four.
inline constexpr uint64_t kMaxFatArchs = 64;
/// Symbol table entries one lookup or the imports' scan looks at; the
/// largest real tables (biome, buf) hold about 100,000.
inline constexpr uint64_t kMaxMachoSymbolScan = 1u << 22;
/// Blob index entries read from a code signature; codesign writes three to seven.
inline constexpr uint64_t kMaxCodeSignatureSlots = 64;

}  // namespace exray::macho

// ---- PE/COFF -------------------------------------------------------------
namespace exray::pe {

/// Section headers read; Windows' loader takes 96, linkers write a few dozen.
inline constexpr uint64_t kMaxPeSections = 4096;
/// Import descriptors (DLLs), ordinary and delay-loaded together; large programs import a few dozen.
inline constexpr uint64_t kMaxPeImportDlls = 4096;
/// Imported functions over all DLLs; large programs import a few thousand.
inline constexpr uint64_t kMaxPeImportFunctions = 1u << 20;
/// Exported names kept; the largest system DLLs export a few thousand.
inline constexpr uint64_t kMaxPeExportNames = 1u << 20;
/// Debug directory entries read; linkers write one to five.
inline constexpr uint64_t kMaxPeDebugEntries = 64;
/// Bytes of one name (DLL, import, export, section) kept.
inline constexpr uint64_t kMaxPeName = 4096;
/// Rich header entries; one per tool and build, a few dozen in large programs.
inline constexpr uint64_t kMaxRichEntries = 256;
/// COFF symbol records one lookup looks at; Go's Windows builds keep tens of thousands.
inline constexpr uint64_t kMaxPeSymbolScan = 1u << 22;

}  // namespace exray::pe

// ---- ELF -----------------------------------------------------------------
namespace exray::elf {

/// Symbols listed per table; 16M entries is beyond any real table.
inline constexpr uint64_t kMaxSymbols = 1u << 24;
/// Dynamic-table entries; real tables have a few dozen.
inline constexpr uint64_t kMaxDynamicEntries = 1u << 16;
/// Notes read from all note segments and sections; real files have a handful.
inline constexpr uint64_t kMaxNotes = 4096;
/// Entries walked in one hash bucket's chain.
inline constexpr uint64_t kMaxHashChain = 1u << 16;
/// verneed/verdef entries and their aux records, each.
inline constexpr uint64_t kMaxVersionRecords = 1u << 16;
/// Distinct .comment strings kept; real files have a few.
inline constexpr uint64_t kMaxCommentStrings = 256;
/// Bytes one compressed section may inflate to (256 MiB).
inline constexpr uint64_t kMaxDecompressedSize = 256u << 20;
/// A section may not claim to grow more than this when decompressed, so memory
/// stays a fixed multiple of the file size: deflate's own ceiling is 1032:1
/// (zlib.net/zlib_tech.html); zstd can go further, but real sections do not.
inline constexpr uint64_t kMaxCompressionRatio = 1032;
/// Relocations read from all tables together; large shared libraries have
/// ~100k dynamic relocations, forty times that is beyond any real file.
inline constexpr uint64_t kMaxRelocations = 4'000'000;
/// FDEs read from .eh_frame: a 100 MB binary has ~100k; forty times that
/// keeps the output under 64 MiB (16 bytes a range).
inline constexpr uint64_t kMaxFdes = 4'000'000;
/// Records visited in one call (CIEs, FDEs, search-table entries), whatever
/// they yield: aliased sections and empty FDEs would escape kMaxFdes alone.
inline constexpr uint64_t kMaxRecords = 2 * kMaxFdes;
/// CIEs cached; real files have one per distinct compiler setting, a handful.
inline constexpr uint64_t kMaxCies = 65'536;
/// Real augmentation strings are a few letters ("zPLRSB"); longer is damage.
inline constexpr uint64_t kMaxAugmentationLength = 32;
/// Damaged .eh_frame records described one by one per call, then counted.
inline constexpr uint64_t kMaxDetailedWarnings = 16;
/// Mapped files kept from a core file's NT_FILE note.
inline constexpr uint64_t kMaxCoreFiles = 4096;
/// Entries kept from a kernel module's .modinfo; real modules have a few dozen.
inline constexpr uint64_t kMaxModinfoEntries = 1024;

}  // namespace exray::elf

// ---- DWARF: struct layouts from .debug_info ------------------------------
namespace exray::dwarf {

/// Compilation units walked in .debug_info (Go 1.19's hello world has ~150).
inline constexpr uint64_t kMaxDwarfUnits = 1u << 20;
/// Entries (DIEs) read over all units; a large Go binary has a few million.
inline constexpr uint64_t kMaxDwarfDies = 1u << 26;
/// Nesting of DIEs below a unit; Go nests types and scopes a few levels deep.
inline constexpr uint64_t kMaxDwarfDepth = 64;
/// Abbreviations read from one abbreviation table (Go's has ~40).
inline constexpr uint64_t kMaxDwarfAbbrevs = 1u << 16;
/// Attribute specifications in one abbreviation.
inline constexpr uint64_t kMaxDwarfAbbrevAttrs = 256;
/// Distinct abbreviation tables kept (Go's units share one).
inline constexpr uint64_t kMaxDwarfAbbrevTables = 4096;
/// Members kept per struct (runtime.mheap, the largest asked for, has ~40).
inline constexpr uint64_t kMaxDwarfMembers = 4096;
/// Bytes of one DW_AT_name or DW_FORM_string.
inline constexpr uint64_t kMaxDwarfName = 4096;
/// Typedefs followed from a member to a type with a byte size.
inline constexpr uint64_t kMaxDwarfTypeChain = 16;

}  // namespace exray::dwarf

// ---- scripts ---------------------------------------------------------------
namespace exray::script {

/// Linux reads at most this many bytes of a "#!" line (BINPRM_BUF_SIZE, fs/binfmt_script.c).
inline constexpr uint64_t kMaxShebangLine = 256;

}  // namespace exray::script

// ---- bytecode: jar, class, wasm, BEAM, .NET ------------------------------
namespace exray::bytecode {

/// Central-directory entries walked in one zip.
inline constexpr uint64_t kMaxZipEntries = 1u << 20;
/// The EOCD record is 22 bytes plus a comment of at most 65535 bytes (APPNOTE 4.3.16).
inline constexpr uint64_t kZipEocdWindow = 65535 + 22;
/// Manifests larger than this (inflated) are not read; real ones are a few KiB.
inline constexpr uint64_t kMaxManifestBytes = 64u << 10;
/// Compressed bytes fed to inflate for one entry (a manifest or a class header).
inline constexpr uint64_t kMaxInflateInput = 1u << 20;
/// Characters of a manifest attribute value kept.
inline constexpr size_t kMaxManifestValue = 256;
/// Class majors run from 45 (JDK 1.0.2) to 69 (Java 25) today; past this is
/// taken as not a class file rather than a far-future one.
inline constexpr uint16_t kMaxClassMajor = 100;
/// IFF chunks read from a BEAM file; real ones have about a dozen.
inline constexpr uint64_t kMaxBeamChunks = 256;
/// Erlang atoms are at most 255 characters.
inline constexpr uint64_t kMaxBeamModuleName = 255;
/// Sections walked in one wasm module.
inline constexpr uint64_t kMaxWasmSections = 1u << 16;
/// Entries read from one field or vector of a producers section.
inline constexpr uint64_t kMaxWasmProducers = 64;
/// Custom section names kept for the report.
inline constexpr uint64_t kMaxWasmCustomNames = 32;
/// A u32 LEB128 takes at most 5 bytes (core spec §5.2.2).
inline constexpr int kMaxLeb32Bytes = 5;
/// Bytes of one custom section read for its contents (producers, go:buildid).
inline constexpr uint64_t kMaxCustomRead = 64u << 10;
/// Longest wasm name or producers string kept.
inline constexpr uint64_t kMaxWasmString = 1024;
/// Bytes of a wasm go:buildid kept: Go's build ids are under 100 characters.
inline constexpr uint64_t kMaxWasmBuildId = 256;
/// The metadata root's version string is at most 255 bytes (ECMA-335 §II.24.2.1).
inline constexpr uint32_t kMaxMetadataVersion = 255;
/// PE sections looked at: the Windows loader's limit is 96, the COFF field allows 65535.
inline constexpr uint16_t kMaxPeSections = 1024;

}  // namespace exray::bytecode

// ---- Go ------------------------------------------------------------------
namespace exray::go {

/// pclntab functions: GoReSym caps at 350 000; big binaries reach ~300k.
inline constexpr uint64_t kMaxFunctions = 10'000'000;
/// pclntab source files, bounded like the functions.
inline constexpr uint64_t kMaxFiles = 10'000'000;
/// A uvarint of 64 bits takes at most 10 bytes.
inline constexpr int kMaxVarintBytes = 10;
/// Go's linker emits a pc-value entry only at a real instruction boundary
/// (cmd/internal/obj/pcln.go funcpctab), so only the first entry has a zero pc
/// delta; a run of them is damage, and capping it keeps many functions that
/// share one long crafted table from each walking all of it.
inline constexpr uint64_t kMaxPcValueStalls = 16;
/// A function or file name longer than this is damage.
inline constexpr uint64_t kMaxNameLength = 64 * 1024;
/// Total bytes scanned for a pclntab magic.
inline constexpr uint64_t kMaxScanBytes = 512ull << 20;
/// Magic hits validated during the scan.
inline constexpr uint64_t kMaxScanCandidates = 64;
/// Functab entries checked for order per scan candidate.
inline constexpr uint64_t kScanSortCheck = 4096;
/// Go's inliner stops well before this depth (cmd/compile inl.go budgets); a
/// deeper chain is a cycle in a crafted tree.
inline constexpr int kMaxInlineDepth = 256;
/// The largest pclntab read through runtime.pclntab when runtime.epclntab is
/// missing; the read stops at the end of the segment anyway.
inline constexpr uint64_t kMaxPclntabBytes = 1ull << 30;
/// Writable bytes searched for the build-info magic (Go 1.19 searched 64 KiB,
/// current Go the whole area).
inline constexpr uint64_t kMaxScan = uint64_t{64} << 20;
/// Longest accepted build-info version or modinfo string (real ones are a few KiB).
inline constexpr uint64_t kMaxStringLen = uint64_t{1} << 20;
/// Longest accepted quoted modinfo key or value (Go imposes none; bounds the work).
inline constexpr size_t kMaxQuoted = 1 << 20;
/// A version string longer than this is damage (real ones are "go1.26.5", or
/// "go1.21.0 X:loopvar" with GOEXPERIMENT set).
inline constexpr uint64_t kMaxVersionLen = 128;
/// The shortest Go version, "go1.2".
inline constexpr uint64_t kMinVersionLen = 5;
/// Read-only bytes searched for "go1.".
inline constexpr uint64_t kMaxVersionScanBytes = 256ull << 20;
/// Writable bytes searched for the {ptr,len} header of runtime.buildVersion.
inline constexpr uint64_t kMaxVersionHeaderScanBytes = 256ull << 20;
/// "go1." hits kept from the read-only scan.
inline constexpr size_t kMaxVersionStrings = 4096;
/// Validated {ptr,len} headers kept.
inline constexpr size_t kMaxVersionHeaders = 64;
/// Digits of a Go minor, patch and prerelease number; real ones have 1 or 2.
inline constexpr int kMaxMinorDigits = 3;
inline constexpr int kMaxPatchDigits = 3;
inline constexpr int kMaxPreDigits = 2;
/// gccgo: DT_NEEDED, section and .comment entries looked at, each.
inline constexpr size_t kMaxGccgoFacts = 4096;
/// gccgo: read-only bytes searched for " gccgo".
inline constexpr uint64_t kMaxGccgoScanBytes = 256ull << 20;
/// gccgo: longest runtime version string accepted.
inline constexpr uint64_t kMaxGccgoVersionLen = 128;
/// gccgo: bytes of a .go_export section read for its "v3;" style header.
inline constexpr uint64_t kMaxGoExportHeader = 16;
/// gccgo: bytes looked back from " gccgo" for its "go1.NNN.NNNrcNN" version.
inline constexpr uint64_t kGoVersionLookBack = 16;
/// Writable bytes searched for the moduledata.
inline constexpr uint64_t kMaxModuledataScanBytes = 256ull << 20;
/// Moduledata pointer matches validated.
inline constexpr uint64_t kMaxModuledataCandidates = 256;
/// The linker splits text only past the branch range of ppc64/arm64 (tens of
/// MB a section); more sections than this is damage.
inline constexpr uint64_t kMaxTextSections = 256;
/// Type descriptors read from one binary (buf, 46 MB, carries 20,038).
inline constexpr uint64_t kMaxGoTypes = 1ull << 20;
/// Itabs read from one binary (buf carries about 4,000).
inline constexpr uint64_t kMaxGoItabs = 1ull << 20;
/// Bytes of one type's name, tag or package path; longer ones are cut. Func
/// types with many parameters reach a few hundred.
inline constexpr uint64_t kMaxGoNameBytes = 1ull << 16;
/// Fields of one struct, methods of one interface, parameters of one func
/// type read; more is damage (the compiler's own limits are far lower).
inline constexpr uint64_t kMaxGoTypeMembers = 1ull << 16;
/// Largest alignment a type descriptor may claim: Go aligns nothing past 8,
/// so more means the bytes are not a descriptor.
inline constexpr uint8_t kMaxGoAlign = 64;
/// Lines read from a Go assembly listing (`exray go --listing`): `go build
/// -gcflags=all=-S` of a large program prints a few million.
inline constexpr uint64_t kMaxListingLines = uint64_t{1} << 26;
/// Bytes of one listing line; real ones are under a few KiB (long generic names).
inline constexpr uint64_t kMaxListingLineLength = uint64_t{1} << 20;
/// Functions kept from a listing; all of the standard library is ~60k.
inline constexpr uint64_t kMaxListingFunctions = uint64_t{1} << 20;
/// Instruction lines of a listed function searched for its stack-guard read;
/// the compiler's prologue puts it within the first 5.
inline constexpr uint64_t kMaxListingPrologueLines = 16;
/// Instructions decoded from a function's entry looking for its stack check.
inline constexpr uint64_t kMaxPrologueInsns = 16;
/// Instructions decoded from the stack check's branch target looking for the
/// call to runtime.morestack (argument spills come first: one per register argument).
inline constexpr uint64_t kMaxMorestackInsns = 48;
/// Bytes of one runtime function decoded to locate the runtime's globals in
/// a stripped binary (analysis/go_globals.cc); the longest it reads,
/// procresize and (*mheap).allocSpan, are about 3 KiB.
inline constexpr uint64_t kMaxGlobalScanBytes = uint64_t{1} << 16;
/// Bytes of a listed function decoded to check that its listed size ends its
/// last instruction; the largest Go functions are a few hundred KiB.
inline constexpr uint64_t kMaxListingSweepBytes = uint64_t{1} << 20;
/// Listed functions whose pclntab name is ambiguous (generic instantiations
/// share `pkg.F[...]`, ABI wrappers share the name) looked up in the ELF symbol
/// table, which is a linear walk each.
inline constexpr uint64_t kMaxListingSymbolLookups = 4096;

}  // namespace exray::go

// ---- Rust ----------------------------------------------------------------
namespace exray::rust {

/// Bytes scanned for registry paths over all regions (deno's .rodata is ~40 MiB).
inline constexpr uint64_t kMaxPathScan = uint64_t{64} << 20;
/// Distinct crates kept from paths; real programs have a few hundred.
inline constexpr size_t kMaxPathCrates = 4096;
/// Distinct rustc commits kept (one is normal).
inline constexpr size_t kMaxCommits = 16;
/// Longest path component looked at (an index dir, a crate-version dir).
inline constexpr size_t kMaxComponent = 200;
/// Bytes .dep-v0 may inflate to: real lists are a few KiB (about 4 KiB
/// compressed for 400 crates); cargo-auditable's own reader uses the same
/// order of limit against decompression bombs.
inline constexpr uint64_t kMaxDepV0Json = uint64_t{8} << 20;
/// Deepest [ and { nesting accepted in .dep-v0: the real document nests 4
/// deep, and dump() and older nlohmann parsers recurse once per level.
inline constexpr int kMaxJsonDepth = 64;

}  // namespace exray::rust

// ---- identification (the verdict) ------------------------------------------
namespace exray {

/// Symbols sampled per table when identifying: a table's cost is its pages
/// (node exports 100k+ names: ~25 ms in a VM), the marks sought are common in
/// the tables that carry them, and .dynsym is in hash order, so the first
/// entries are a fair sample.
inline constexpr unsigned long long kMaxIdentifySymbols = 1u << 15;
/// A program that needs an engine's library and has less executable code
/// than this is that engine's launcher (lua5.4: ~20 KB); a larger one embeds
/// the engine for scripting (gdb and libpython: megabytes).
inline constexpr unsigned long long kLauncherMaxText = 256 * 1024;
/// Bytes of .rodata searched for a language's strings when symbols and
/// producers say nothing (stripped Rust and Nim look like C otherwise).
inline constexpr unsigned long long kMaxRodataScan = 16ull << 20;
/// Bytes of .rodata searched for a runtime's strings when the verdict would
/// otherwise be C by default: the marks sit among the first strings in the
/// files seen (under 1 MiB), and every C program pays the search.
inline constexpr unsigned long long kMaxLanguageScan = 4ull << 20;
/// Bytes of .rodata searched for Zig's source names: Zig keeps them together
/// in its panic data (Bun 1.3: all within 1 MiB of the start).
inline constexpr unsigned long long kMaxZigScan = 2ull << 20;
/// Distinct strings of one engine or language needed before strings alone
/// decide (a C program that merely mentions "Py_Initialize" decides nothing).
inline constexpr int kMinStringMarks = 2;
/// Symbols looked at for gccgo's runtime names: few, near the start of .dynsym.
inline constexpr uint64_t kMaxGccgoSymbolScan = 1'000'000;
/// Symbols looked at to back a lone Rust producer line: the runtime's are few.
inline constexpr uint64_t kMaxRustSymbolScan = 1'000'000;
/// "_ZN"/"_R" names measured for Rust's mangling (the whole name is read): a
/// Rust file shows it in its first few; a C++ one never does.
inline constexpr int kRustSample = 64;
/// Exported C++ functions that make a library's API C++ (a bundled Rust
/// library exports C names or its own manglings; a few std:: ones prove nothing).
inline constexpr uint64_t kMinCxxApi = 16;
/// Zig source names needed to outvote a rustc line one linked Rust library brought.
inline constexpr int kZigNames = 3;
/// Rust source names needed to back a rustc line that has no /rustc/ path.
inline constexpr int kRustNames = 3;
/// Step of the shared .rodata pass: read and searched a window at a time,
/// so a mark found early spares the rest.
inline constexpr uint64_t kRodataWindow = 256 << 10;
/// Overlay bytes, from the end, searched for vercel/pkg's prelude (pnpm 9's is 73 KB in).
inline constexpr uint64_t kPkgWindow = 1 << 20;
/// Bytes from the end searched for PyInstaller's cookie (it is the last 88).
inline constexpr uint64_t kPyInstallerWindow = 4096;

}  // namespace exray

// ---- code: disassembly and the code analyses ---------------------------------
namespace exray::code {

/// Functions analysed; real binaries reach ~300k (a 100 MB Rust program).
inline constexpr uint64_t kMaxFunctions = 2'000'000;
/// Bytes one function may span before it is cut; a function without end (no
/// seed after it) in a huge text section is damage or data.
inline constexpr uint64_t kMaxFunctionBytes = 4ull << 20;
/// PLT bytes split into stubs; a real PLT of 100k imports is 1.6 MB.
inline constexpr uint64_t kMaxPltBytes = 16ull << 20;
/// Bytes of a PLT entry read for the GOT slot it jumps through.
inline constexpr uint64_t kMaxStubBytes = 32;
/// The longest x86 instruction (Zydis never needs more); arm64's are 4 bytes.
inline constexpr uint64_t kMaxInsnBytes = 15;
/// A stretch of text no function covers is decoded as code when it is
/// longer than this and not all padding (nop, int3, zero).
inline constexpr uint64_t kMinGapBytes = 16;
/// Rounds of adding call targets found in gaps as new functions.
inline constexpr int kMaxCallTargetRounds = 4;
/// Instructions read at a function's start to infer its convention.
inline constexpr int kConventionWindow = 48;
/// Instructions walked back from a use to find where a register's value came from.
inline constexpr int kMaxBacktrack = 64;
/// Joins (points other code jumps to) a backward search goes through, and
/// ways into one join it follows; every way in must give the same value.
inline constexpr int kMaxJoinDepth = 6;
inline constexpr int kMaxJoinPaths = 16;
/// Ways into a dispatch's head examined to find which pointer the opcode is fetched through.
inline constexpr uint32_t kMaxFetchVotes = 512;
/// Levels of wrappers a syscall number or a prot argument is followed up through.
inline constexpr int kMaxWrapperDepth = 5;
/// Direct calls remembered (16 bytes each) for following arguments to their callers.
inline constexpr uint64_t kMaxCallEdges = 8'000'000;
/// Call sites examined when following arguments (all wrappers together).
inline constexpr uint64_t kMaxWrapperCalls = 200'000;
/// Instructions scanned for a register that holds one constant throughout a
/// function (a jump table's base set before the loop); beyond, not assumed.
inline constexpr size_t kMaxConstScan = 200'000;
/// Entries read from one jump table; no interpreter has more opcodes.
inline constexpr uint64_t kMaxTableEntries = 4096;
/// Instructions followed from one handler looking for the way back.
inline constexpr int kMaxFlowSteps = 512;
/// Bytes before the dispatch jump that count as the dispatch point (the
/// fetch, the bounds check and the jump).
inline constexpr uint64_t kDispatchWindow = 96;
/// A call-threaded loop fits in this many bytes (Perl's: 15).
inline constexpr uint64_t kMaxCallLoopBytes = 64;
/// Entries kept per list in the result (sites, requests, loops).
inline constexpr size_t kMaxListed = 100'000;
/// Threads the sweep uses at most (Input::threads 0: one per CPU up to this).
inline constexpr unsigned kMaxThreads = 8;
/// Below this much code one thread does the sweep: starting more costs more.
inline constexpr uint64_t kMinParallelBytes = 512 * 1024;

// Thresholds of the dispatch-loop heuristics: not caps on work, but the
// numbers a verdict turns on, kept beside the caps so they are found together.

/// A dispatch loop: at least this many distinct handlers in the function.
inline constexpr uint32_t kMinThreadedHandlers = 32;
/// A switch needs more: format interpreters (glibc's strptime: 55 directives)
/// have switch loops too; bytecode sets have 60 opcodes and more (jq's 41
/// distinct handlers fall below).
inline constexpr uint32_t kMinSwitchHandlers = 60;
/// Threaded code: at least this many indirect jumps through one table.
inline constexpr uint32_t kMinThreadedJumps = 8;
/// Threaded code without a table (the handler's address or offset is in
/// the op, as in PHP, Ruby and OCaml): this many indirect jumps computing
/// their target the same way from fetched memory, each the end of a handler.
inline constexpr uint32_t kMinFetchedJumps = 48;
/// Of those, at least this many (and a sixteenth) step the op pointer
/// forward right before jumping; tail calls through a vtable never do (PHP:
/// 169 of 1211, most handlers move it in a helper).
inline constexpr uint32_t kMinAdvancingJumps = 8;
/// Switch dispatch away from the fetch: instructions that step or reload
/// the op pointer elsewhere in the function (at least this, and a quarter
/// of the handlers; V8's Scavenger steps its slot pointer 12 times for 86 handlers).
inline constexpr uint32_t kMinPointerSteps = 4;
/// Switch dispatch: share of handlers that must flow back to the dispatch.
inline constexpr double kMinFlowBackShare = 0.5;

}  // namespace exray::code

// ---- trace: exray run's tracer and sandbox ---------------------------------
namespace exray::trace {

/// Libraries in the expected closure (DT_NEEDED, recursively), and the roots
/// and extension modules checked, each.
inline constexpr size_t kMaxClosure = 512;
/// Exec mappings of files, and execs, kept.
inline constexpr size_t kMaxEvents = 100000;
/// Exec mappings of run-time code kept (apart: never crowded out by file mappings).
inline constexpr size_t kMaxJitEvents = 100000;
/// VMAs looked at in one mmap/mprotect call's range.
inline constexpr size_t kMaxVmasPerCall = 64;
/// Pages of one VMA checked for written copies in /proc/PID/pagemap.
inline constexpr uint64_t kMaxPagemapPages = 1u << 16;
/// Files opened for writing, by device and inode.
inline constexpr size_t kMaxWrittenFiles = 65536;
/// Processes whose executable memory is looked at on exit.
inline constexpr size_t kMaxWitnessReads = 4096;
/// Executable VMAs looked at in one process.
inline constexpr size_t kMaxWitnessVmas = 4096;
/// Distinct ELF files opened.
inline constexpr size_t kMaxElfFiles = 4096;
/// Escape attempts described one by one; their counts stay complete.
inline constexpr size_t kMaxEscapes = 1000;
/// Wait statuses taken before any is handled.
inline constexpr size_t kMaxBatch = 4096;
/// clone child_stack values kept.
inline constexpr size_t kMaxCloneStacks = 4096;
/// Distinct opened paths checked for ELF magic.
inline constexpr size_t kMaxFilesChecked = 16384;
/// Bytes read of a path or argv[0] from the tracee (PATH_MAX).
inline constexpr size_t kMaxString = 4096;
/// Seconds spent reaping after SIGKILL.
inline constexpr int kDrainSeconds = 5;
/// Bytes of the program's output shown on exray's stderr.
inline constexpr uint64_t kMaxRelayBytes = 64u << 20;
/// Milliseconds spent copying what is left in the pipe after the run.
inline constexpr int kRelayGraceMs = 500;
/// Bytes of a VMA's file name taken from PROCMAP_QUERY (PATH_MAX).
inline constexpr size_t kMaxName = 4096;
/// A /proc/PID/maps file larger than this is read in part.
inline constexpr size_t kMapsTextCap = 256u << 20;
/// Paths given to --expose.
inline constexpr int kMaxExpose = 64;
/// Masked paths (the defaults and --mask together).
inline constexpr int kMaxMasks = 128;
/// Directory entries read to expand one '*' mask.
inline constexpr int kMaxGlobEntries = 4096;
/// Size of the private /run tmpfs.
inline constexpr uint64_t kRunBytes = 16ull << 20;
/// Size of the private /dev/shm tmpfs, at most.
inline constexpr uint64_t kShmBytes = 256ull << 20;
/// SysV shared-memory segments in the IPC namespace.
inline constexpr uint64_t kShmmni = 256;
/// The smallest private tmpfs, whatever --memory says.
inline constexpr uint64_t kMinTmpfs = 1ull << 20;
/// Bytes of /proc/self/mountinfo or a cgroup file read.
inline constexpr size_t kMaxProcText = 1 << 20;
/// Bytes of /proc/PID/task/TID/syscall read ("nr 6 args sp pc": under 200).
inline constexpr size_t kMaxSyscallLine = 512;
/// Lines of one of those files looked at.
inline constexpr int kMaxLines = 4096;
/// rmdir of the run's cgroup is tried this often (EBUSY while the last tasks
/// exit), this many microseconds apart.
inline constexpr int kRemoveTries = 100;
inline constexpr int kRemoveWaitUs = 2000;

// `exray go --pid`: a running Go program read through /proc/PID/mem; every
// count comes from the process and is capped here.
/// Goroutines (allgs entries) read; Go itself has no cap, and 4M goroutines
/// is 32 MiB of pointers in one read.
inline constexpr uint64_t kMaxLiveGoroutines = 1u << 22;
/// Ps (allp entries) read: Go 1.19's _MaxGomaxprocs (runtime2.go).
inline constexpr uint64_t kMaxLiveProcs = 1u << 10;
/// Ms walked along allm; Go's default thread limit (debug.SetMaxThreads) is 10,000.
inline constexpr uint64_t kMaxLiveMs = 1u << 16;
/// Entries of /proc/PID/task listed.
inline constexpr uint64_t kMaxLiveTasks = 1u << 16;
/// Bytes of one read of /proc/PID/mem when g structs are read together.
inline constexpr uint64_t kMaxLiveRead = 1u << 20;
/// Unwanted bytes read between two g structs rather than a second read.
inline constexpr uint64_t kLiveReadGap = 4096;
/// g structs held in memory at once while allgs is read (about 420 bytes
/// each with their map entry: ~27 MiB), so a process claiming millions of
/// goroutines costs time, not memory.
inline constexpr size_t kLiveGoroutineBatch = 1u << 16;
/// Distinct goroutine start pcs whose owner (runtime or program) is cached.
inline constexpr size_t kMaxLiveStartPcs = 1u << 16;
/// exray go FILE --pid: bytes of .text (and of the Go build ID note) compared
/// with the process's memory before FILE's addresses are trusted.
inline constexpr uint64_t kGoLiveSameBytes = 4096;
/// Numbers read from an NSpid line: Linux nests at most 32 pid namespaces
/// (MAX_PID_NS_LEVEL).
inline constexpr size_t kMaxPidNamespaces = 32;

}  // namespace exray::trace

// ---- report: output caps -------------------------------------------------
namespace exray {

/// Example functions shown per calling convention in exray code's text.
inline constexpr size_t kExamples = 5;
/// Requests and loops shown in exray code's text before "and N more".
inline constexpr size_t kTextListed = 20;
/// Nesting the JSON writer supports; the report nests a few levels deep.
inline constexpr int kMaxJsonWriterDepth = 32;
/// Reports built ahead of the one being printed with -j, so memory stays bounded.
inline constexpr size_t kReportWindow = 64;

}  // namespace exray
