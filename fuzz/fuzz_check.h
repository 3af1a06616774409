#ifndef STATSTRACKER_FUZZ_FUZZ_CHECK_H_
#define STATSTRACKER_FUZZ_FUZZ_CHECK_H_

namespace statstracker {
namespace fuzz {

// A property of a fuzz target: a false one stops the run at once, so
// libFuzzer keeps the input that broke it.
inline void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace fuzz
}  // namespace statstracker

#endif  // STATSTRACKER_FUZZ_FUZZ_CHECK_H_
