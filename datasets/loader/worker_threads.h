// Threads of the data loaders' workers, process-wide.
//
// Each loader with num_workers > 0 runs its batches in a tbb::task_arena of its own. The arenas
// draw on TBB's one worker pool, which holds cores - 1 threads unless a tbb::global_control raises
// it; a global_control is process-wide and the smallest live one wins, so a loader owning one
// (num_workers + 1) capped every other loader, COCO evaluation and all other TBB work. Instead the
// live loaders reserve their workers here, against one shared control of
// max(TBB's default, 1 + all reserved workers): never below the default, and room for every live
// loader's workers at once.
#pragma once
#include <cstdint>

namespace detseq {

class LoaderWorkerReservation {
 public:
  explicit LoaderWorkerReservation(int64_t workers);
  ~LoaderWorkerReservation();
  LoaderWorkerReservation(const LoaderWorkerReservation&) = delete;
  LoaderWorkerReservation& operator=(const LoaderWorkerReservation&) = delete;

  // Workers reserved by all live loaders (for tests and logs).
  static int64_t reserved();

 private:
  int64_t workers_;
};

// While alive, LibTorch's intra-op parallelism is off on this thread: inside a loader task the
// loader's workers are the parallelism, and an OpenMP team of every core per worker would
// oversubscribe them (OpenCV's own threads are off for the same reason). Restores the thread's
// previous setting; other threads (training, evaluation) keep theirs.
class SerialIntraOp {
 public:
  SerialIntraOp();
  ~SerialIntraOp();
  SerialIntraOp(const SerialIntraOp&) = delete;
  SerialIntraOp& operator=(const SerialIntraOp&) = delete;

 private:
  int previous_;
};

}  // namespace detseq
