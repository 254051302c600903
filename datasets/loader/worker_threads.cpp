#include "datasets/loader/worker_threads.h"

#include <ATen/Config.h>
#include <ATen/Parallel.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <memory>
#include <mutex>

// With the OpenMP backend, LibTorch's at::set_num_threads also sets a process-wide value that new
// threads adopt; omp_set_num_threads changes the calling thread only. Weak, so that the symbol
// comes from the OpenMP runtime LibTorch already loads (nothing else to link).
#if AT_PARALLEL_OPENMP && __has_include(<omp.h>)
#include <omp.h>
#pragma weak omp_set_num_threads
#define DETSEQ_THREAD_LOCAL_INTRA_OP 1
#endif

namespace detseq {
namespace {

struct Policy {
  std::mutex mutex;
  int64_t reserved = 0;
  std::unique_ptr<tbb::global_control> control;

  // The new control is in place before the old one goes, so the limit never dips in between.
  void resize() {
    const auto wanted = static_cast<size_t>(1 + reserved);
    const auto fallback = static_cast<size_t>(tbb::info::default_concurrency());
    std::unique_ptr<tbb::global_control> next;
    if (wanted > fallback)
      next = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, wanted);
    control = std::move(next);
  }
};

Policy& policy() {
  static Policy p;
  return p;
}

void set_thread_intra_op(int threads) {
#ifdef DETSEQ_THREAD_LOCAL_INTRA_OP
  if (omp_set_num_threads) omp_set_num_threads(threads);
#else
  (void)threads;  // LibTorch's native pool is shared and fixed in size: no per-thread team to spawn
#endif
}

}  // namespace

LoaderWorkerReservation::LoaderWorkerReservation(int64_t workers) : workers_(workers) {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.reserved += workers_;
  p.resize();
}

LoaderWorkerReservation::~LoaderWorkerReservation() {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.reserved -= workers_;
  p.resize();
}

int64_t LoaderWorkerReservation::reserved() {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.reserved;
}

// at::get_num_threads first: it initialises this thread's setting from the process value, which
// would otherwise overwrite ours at the thread's first parallel op.
SerialIntraOp::SerialIntraOp() : previous_(at::get_num_threads()) { set_thread_intra_op(1); }
SerialIntraOp::~SerialIntraOp() { set_thread_intra_op(previous_); }

}  // namespace detseq
