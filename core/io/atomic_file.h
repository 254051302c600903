// Atomic file replacement: readers (and a crash) see either the old file or the new one, never a
// partial write. Used for checkpoints and small bookkeeping files (e.g. `last_checkpoint`).
#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace detseq::io {

// Writes `data` to `<dir>/.<name>.tmp.<pid>.<n>`, fsyncs it, renames it over `path` and fsyncs the
// directory. Parent directories are created. Throws detseq::Error naming `path`; the temp file is
// removed on failure and `path` keeps its previous content.
void write_file_atomic(const std::string& path, const std::string& data);
// Same, with the content produced by `produce` writing into a stream (an exception thrown by
// `produce` aborts the write and leaves `path` untouched).
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& produce);

}  // namespace detseq::io
