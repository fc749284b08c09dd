// ItemAllocator: slab slots are distinct, aligned and keep their bytes; empty
// pages go back to the system; large sizes share one arena's slabs, the
// largest are mapped alone, and rounding stays within an eighth; threads may
// allocate and free concurrently, including memory another thread allocated.
#include "backends/memory/item_allocator.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace memgate::backends::memory_internal {
namespace {

struct Block {
  char* memory;
  std::size_t size;
  char fill;
};

Block Take(std::size_t size, std::size_t spread, char fill) {
  auto* memory = static_cast<char*>(ItemAllocator::Allocate(size, spread));
  std::memset(memory, fill, size);
  return {memory, size, fill};
}

// Checks the block still holds its fill, then frees it.
bool GiveBack(const Block& block) {
  const bool intact =
      std::all_of(block.memory, block.memory + block.size, [&](char c) { return c == block.fill; });
  ItemAllocator::Free(block.memory, block.size);
  return intact;
}

TEST(ItemAllocatorTest, SlotsAreDistinctAlignedAndKeepTheirBytes) {
  std::vector<Block> blocks;
  std::set<uintptr_t> starts;
  for (std::size_t size = 1; size <= ItemAllocator::kMaxSlabSize + 64; size += 7) {
    for (int copy = 0; copy < 3; ++copy) {
      blocks.push_back(Take(size, size + copy, static_cast<char>('a' + blocks.size() % 26)));
      const auto start = reinterpret_cast<uintptr_t>(blocks.back().memory);
      EXPECT_EQ(start % 8, 0u) << size;
      EXPECT_TRUE(starts.insert(start).second) << "handed out twice: size " << size;
    }
  }
  // Blocks do not overlap: every fill survived the writes of all the others.
  for (const Block& block : blocks) EXPECT_TRUE(GiveBack(block)) << block.size;
}

TEST(ItemAllocatorTest, FreedSlotsAreReusedAndEmptyPagesReturned) {
  const std::size_t before = ItemAllocator::PagesInUse();
  std::vector<Block> blocks;
  // 168-byte slots: a 1 MiB page holds about 6,200, so this spans 3 pages.
  for (int i = 0; i < 15000; ++i) blocks.push_back(Take(168, 5, 'x'));
  EXPECT_GE(ItemAllocator::PagesInUse(), before + 3);

  // A freed slot is the next one handed out in its arena and class.
  char* const reused = blocks[100].memory;
  EXPECT_TRUE(GiveBack(blocks[100]));
  blocks[100] = Take(168, 5, 'y');
  EXPECT_EQ(blocks[100].memory, reused);

  for (const Block& block : blocks) EXPECT_TRUE(GiveBack(block));
  // At most one empty page stays per class (so a class that empties and
  // refills does not map and unmap a page each time).
  EXPECT_LE(ItemAllocator::PagesInUse(), before + 1);
}

TEST(ItemAllocatorTest, LargeSizesShareSlabsUpToTheLargeLimit) {
  const std::size_t before = ItemAllocator::PagesInUse();
  std::vector<Block> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(Take(ItemAllocator::kMaxSlabSize + 1, i, 'L'));
  // One arena for every large class, whatever the spread.
  EXPECT_EQ(ItemAllocator::PagesInUse(), before + 1);
  Block mapped = Take(ItemAllocator::kMaxLargeSlabSize + 1, 1, 'M');
  Block bigger = Take(1 << 20, 1, 'B');
  EXPECT_EQ(ItemAllocator::PagesInUse(), before + 1);
  EXPECT_TRUE(GiveBack(mapped));
  EXPECT_TRUE(GiveBack(bigger));
  for (const Block& block : blocks) EXPECT_TRUE(GiveBack(block));
  // A large class keeps no empty page.
  EXPECT_EQ(ItemAllocator::PagesInUse(), before);
}

TEST(ItemAllocatorTest, LargeSlotsAreDistinctAndKeepTheirBytes) {
  std::vector<Block> blocks;
  std::set<uintptr_t> starts;
  for (std::size_t size = ItemAllocator::kMaxSlabSize - 8;
       size <= ItemAllocator::kMaxLargeSlabSize + 8; size += size / 5 + 1) {
    for (int copy = 0; copy < 3; ++copy) {
      blocks.push_back(Take(size, copy, static_cast<char>('a' + blocks.size() % 26)));
      const auto start = reinterpret_cast<uintptr_t>(blocks.back().memory);
      EXPECT_EQ(start % 8, 0u) << size;
      EXPECT_TRUE(starts.insert(start).second) << "handed out twice: size " << size;
    }
  }
  for (const Block& block : blocks) EXPECT_TRUE(GiveBack(block)) << block.size;
}

// The memory backend charges this rounding against its limit.
TEST(ItemAllocatorTest, AllocatedSizeWastesAtMostAnEighth) {
  for (std::size_t size = 1; size <= 2 * ItemAllocator::kMaxLargeSlabSize; size += 13) {
    const std::size_t allocated = ItemAllocator::AllocatedSize(size);
    if (size <= ItemAllocator::kMaxSlabSize) {
      EXPECT_EQ(allocated, size);
    } else if (size <= ItemAllocator::kMaxLargeSlabSize) {
      EXPECT_GE(allocated, size);
      EXPECT_LE(allocated, size + size / 8) << size;
    } else {
      EXPECT_GE(allocated, size);
      EXPECT_LT(allocated, size + 4096) << size;
    }
  }
}

TEST(ItemAllocatorTest, ThreadsAllocateAndFreeEachOthersMemory) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  // Each thread allocates; half of what it allocates is freed by the next
  // thread (handed over through a per-thread outbox after the run).
  std::vector<std::vector<Block>> kept(kThreads);
  std::vector<std::thread> threads;
  std::vector<int> damaged(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &kept, &damaged] {
      std::mt19937 random(t);
      std::vector<Block> live;
      for (int i = 0; i < kRounds; ++i) {
        const std::size_t size = 24 + random() % 400;
        live.push_back(Take(size, random(), static_cast<char>('a' + (t * 7 + i) % 26)));
        if (live.size() > 64) {
          std::swap(live[random() % live.size()], live.back());
          if (i % 2 == 0) {
            kept[t].push_back(live.back());
          } else if (!GiveBack(live.back())) {
            ++damaged[t];
          }
          live.pop_back();
        }
      }
      for (const Block& block : live) damaged[t] += GiveBack(block) ? 0 : 1;
    });
  }
  for (std::thread& thread : threads) thread.join();
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &kept, &damaged] {
      for (const Block& block : kept[(t + 1) % kThreads]) damaged[t] += GiveBack(block) ? 0 : 1;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(damaged[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace memgate::backends::memory_internal
