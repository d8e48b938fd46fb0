# lit configuration for exray's parser tests: yaml2obj builds the input,
# exray reads it, FileCheck checks the report. One .test per behaviour.
import os
import shutil

import lit.formats

config.name = "exray"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = getattr(config, "exray_obj_root", None) or config.test_source_root

exray = getattr(config, "exray", None) or lit_config.params.get("exray")
if not exray:
    lit_config.fatal("the exray binary is not set (run lit through ctest, or pass --param exray=PATH)")


# FileCheck, not, yaml2obj and llvm-objcopy: the LLVM 14 tools, unversioned
# in their own bin directory on Debian (FileCheck is only there).
llvm_bin = os.environ.get("EXRAY_LLVM_BIN", "/usr/lib/llvm-14/bin")
for t in ("FileCheck", "not", "yaml2obj", "llvm-objcopy"):
    if not os.path.exists(os.path.join(llvm_bin, t)) and not shutil.which(t):
        lit_config.fatal("%s not found in %s or on PATH" % (t, llvm_bin))
config.environment["PATH"] = os.pathsep.join([llvm_bin, os.environ.get("PATH", "")])

config.substitutions.append(("%exray", exray))
config.substitutions.append(("%python", shutil.which("python3") or "python3"))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
if shutil.which("zstd"):
    config.available_features.add("zstd")

# Stable output: no colour, and the environment cannot change the report.
config.environment["NO_COLOR"] = "1"
