#include "atmsigd/util/buffer_pool.hpp"

namespace atmsigd {

BufferPool& this_thread_buffers() {
  thread_local BufferPool pool;
  return pool;
}

}  // namespace atmsigd
