// Keeps the bytes of a Hit alive without copying them: a backend hands out
// its own storage and the reply path holds it until the bytes are written.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace memgate::backends {

// Keeps a Hit's bytes alive. Either shares ownership of any object through a
// std::shared_ptr, or holds one reference to an object with its own
// reference count (no allocation, no control block): `ref(object, +1)` adds
// a reference, `ref(object, -1)` drops one.
class HitOwner {
 public:
  using RefFn = void (*)(const void* object, int delta);

  HitOwner() = default;
  HitOwner(std::nullptr_t) {}
  template <typename T>
  HitOwner(std::shared_ptr<T> shared) : shared_(std::move(shared)) {}
  // Takes over one reference the caller holds to `object`.
  static HitOwner Adopt(const void* object, RefFn ref) {
    HitOwner owner;
    owner.object_ = object;
    owner.ref_ = ref;
    return owner;
  }

  HitOwner(const HitOwner& other)
      : shared_(other.shared_), object_(other.object_), ref_(other.ref_) {
    if (ref_ != nullptr) ref_(object_, +1);
  }
  HitOwner(HitOwner&& other) noexcept
      : shared_(std::move(other.shared_)), object_(other.object_), ref_(other.ref_) {
    other.object_ = nullptr;
    other.ref_ = nullptr;
  }
  HitOwner& operator=(HitOwner other) noexcept {
    std::swap(shared_, other.shared_);
    std::swap(object_, other.object_);
    std::swap(ref_, other.ref_);
    return *this;
  }
  ~HitOwner() {
    if (ref_ != nullptr) ref_(object_, -1);
  }

  explicit operator bool() const { return ref_ != nullptr || shared_ != nullptr; }
  friend bool operator==(const HitOwner& owner, std::nullptr_t) { return !owner; }

 private:
  std::shared_ptr<const void> shared_;
  const void* object_ = nullptr;
  RefFn ref_ = nullptr;
};

}  // namespace memgate::backends
