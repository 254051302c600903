// Atomic file replacement: readers (and a crash) see either the old file or the new one, never a
// partial write. Used for checkpoints and small bookkeeping files (e.g. `last_checkpoint`).
#pragma once
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace detseq::io {

// Writes `data` to `<dir>/.<name>.tmp.<pid>.<n>`, fsyncs it, renames it over `path` and fsyncs the
// directory. Parent directories are created. A failed write, fsync or close (disk full, EFBIG,
// EIO) throws one detseq::Error line naming `path` and the errno; the temp file is removed and
// `path` keeps its previous content.
void write_file_atomic(const std::string& path, const std::string& data);
// Same, with the content produced by `produce` writing into a stream (an exception thrown by
// `produce` aborts the write and leaves `path` untouched).
// After a write error the stream discards further output (so a producer's cleanup cannot fail
// twice) and the error is reported when `produce` returns.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& produce);

// True for the temp names write_file_atomic uses (`.<name>.tmp.<pid>.<n>`); sets the writer's pid.
bool is_atomic_temp_name(const std::string& name, int* writer_pid = nullptr);
// Removes the temp files in `dir` (not recursive) left by writers that no longer run (killed
// during a save). Returns the paths removed.
std::vector<std::string> remove_stale_temp_files(const std::string& dir);

}  // namespace detseq::io
