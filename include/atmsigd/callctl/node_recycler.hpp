// An allocator for the nodes of a node container (std::set) that keeps the
// nodes it frees for the next insertions: once the container has held its
// peak, inserting and erasing cost no malloc/free. (std::pmr's pool
// resources cost more than malloc here: they search their pools.)
#pragma once

#include <cstddef>
#include <new>

namespace atmsigd::callctl {

// The free list, owned by the container's owner (declared before the
// container: it outlives it).
class NodeRecycler {
 public:
  NodeRecycler() = default;
  NodeRecycler(const NodeRecycler&) = delete;
  NodeRecycler& operator=(const NodeRecycler&) = delete;
  ~NodeRecycler() {
    while (head_ != nullptr) {
      Free* n = head_;
      head_ = n->next;
      ::operator delete(n);
    }
  }
  void* get(std::size_t bytes) {
    if (head_ != nullptr && bytes == size_) {
      Free* n = head_;
      head_ = n->next;
      return n;
    }
    return ::operator new(bytes);
  }
  void put(void* p, std::size_t bytes) {
    if (size_ == 0 && bytes >= sizeof(Free)) size_ = bytes;
    if (bytes != size_) {
      ::operator delete(p);
      return;
    }
    Free* n = static_cast<Free*>(p);
    n->next = head_;
    head_ = n;
  }

 private:
  struct Free {
    Free* next;
  };
  Free* head_ = nullptr;
  std::size_t size_ = 0;  // the node size (the first freed): other sizes are not kept
};

template <class T>
struct RecyclingAllocator {
  using value_type = T;
  NodeRecycler* recycler;
  explicit RecyclingAllocator(NodeRecycler* r) noexcept : recycler(r) {}
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>& o) noexcept : recycler(o.recycler) {}
  T* allocate(std::size_t n) {
    if (n != 1) return static_cast<T*>(::operator new(n * sizeof(T)));
    return static_cast<T*>(recycler->get(sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1) {
      ::operator delete(p);
      return;
    }
    recycler->put(p, sizeof(T));
  }
  template <class U>
  bool operator==(const RecyclingAllocator<U>& o) const noexcept {
    return recycler == o.recycler;
  }
};

}  // namespace atmsigd::callctl
