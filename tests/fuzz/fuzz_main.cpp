// libFuzzer driver: DETSEQ_FUZZ_HEADER / DETSEQ_FUZZ_ENTRY name one entry of tests/fuzz (set by
// tests/fuzz/CMakeLists.txt). The same entries run on the committed inputs in test_fuzz_inputs.cpp.
#include DETSEQ_FUZZ_HEADER

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return detseq::fuzz::DETSEQ_FUZZ_ENTRY(data, size);
}
