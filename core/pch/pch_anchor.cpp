// Translation unit that owns the precompiled header (see cmake/detseq_helpers.cmake).
namespace detseq {
int pch_anchor() { return 0; }
}  // namespace detseq
