// Installing the process group behind core/dist/dist.h (done by the engine's launcher).
#pragma once
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

namespace detseq::dist {

void set_process_group(c10::intrusive_ptr<c10d::ProcessGroup> group, int local_rank);
c10::intrusive_ptr<c10d::ProcessGroup> process_group();  // null when single-process
void clear_process_group();

}  // namespace detseq::dist
