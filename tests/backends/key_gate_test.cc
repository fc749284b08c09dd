// KeyGate: which entries run when. Each case is a script of entries and
// leaves, with the set of running entries checked after every step; a
// threaded test checks exclusion and the barrier under contention.
#include "backends/key_gate.h"

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace memgate::backends {
namespace {

using Mode = KeyGate::Mode;

// One step of a script: enter a named entry on keys (a barrier when `keys`
// is "|"), or leave a running one, then expect `running`.
struct Step {
  enum Kind { kEnter, kBarrier, kLeave } kind;
  std::string name;
  std::vector<std::string_view> keys;
  Mode mode = Mode::kExclusive;
  std::set<std::string> running;
};

Step Exclusive(std::string name, std::vector<std::string_view> keys,
               std::set<std::string> running) {
  return {Step::kEnter, std::move(name), std::move(keys), Mode::kExclusive, std::move(running)};
}
Step Shared(std::string name, std::vector<std::string_view> keys, std::set<std::string> running) {
  return {Step::kEnter, std::move(name), std::move(keys), Mode::kShared, std::move(running)};
}
Step Barrier(std::string name, std::set<std::string> running) {
  return {Step::kBarrier, std::move(name), {}, Mode::kExclusive, std::move(running)};
}
Step Leave(std::string name, std::set<std::string> running) {
  return {Step::kLeave, std::move(name), {}, Mode::kExclusive, std::move(running)};
}

struct Script {
  std::string name;
  std::vector<Step> steps;
};

class KeyGateScriptTest : public ::testing::TestWithParam<Script> {};

TEST_P(KeyGateScriptTest, RunsEntriesWhenTheirKeysAreFree) {
  KeyGate gate(/*shard_count=*/4);
  std::map<std::string, KeyGate::Ticket> running;
  std::vector<std::string> started;
  auto task = [&](std::string name) {
    return [&, name](KeyGate::Ticket ticket) {
      running[name] = ticket;
      started.push_back(name);
    };
  };
  int index = 0;
  for (const Step& step : GetParam().steps) {
    switch (step.kind) {
      case Step::kEnter:
        gate.Enter(step.keys, step.mode, task(step.name));
        break;
      case Step::kBarrier:
        gate.EnterBarrier(task(step.name));
        break;
      case Step::kLeave: {
        auto it = running.find(step.name);
        ASSERT_NE(it, running.end()) << step.name << " is not running";
        const KeyGate::Ticket ticket = it->second;
        running.erase(it);
        gate.Leave(ticket);
        break;
      }
    }
    std::set<std::string> names;
    for (const auto& [name, ticket] : running) names.insert(name);
    EXPECT_EQ(names, step.running) << "after step " << index << " (" << step.name
                                   << "); started: " << absl::StrJoin(started, " ");
    ++index;
  }
  for (const auto& [name, ticket] : running) gate.Leave(ticket);
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, KeyGateScriptTest,
    ::testing::Values(
        Script{
            "OneKeyKeepsEntryOrder",
            {Exclusive("a", {"x"}, {"a"}), Exclusive("b", {"x"}, {"a"}),
             Exclusive("c", {"x"}, {"a"}), Leave("a", {"b"}), Leave("b", {"c"}), Leave("c", {})}},
        Script{"OtherKeysRunTogether",
               {Exclusive("a", {"x"}, {"a"}), Exclusive("b", {"y"}, {"a", "b"}),
                Exclusive("c", {"z"}, {"a", "b", "c"}), Leave("b", {"a", "c"})}},
        Script{"SharedReadersRunTogetherAndAWriterWaitsForThem",
               {Shared("r1", {"x"}, {"r1"}), Shared("r2", {"x"}, {"r1", "r2"}),
                Exclusive("w", {"x"}, {"r1", "r2"}),
                // A reader after the writer waits for it: entry order holds.
                Shared("r3", {"x"}, {"r1", "r2"}), Leave("r1", {"r2"}), Leave("r2", {"w"}),
                Leave("w", {"r3"})}},
        Script{"ReadersAfterAWriterRunTogether",
               {Exclusive("w", {"x"}, {"w"}), Shared("r1", {"x"}, {"w"}),
                Shared("r2", {"x"}, {"w"}), Exclusive("w2", {"x"}, {"w"}), Leave("w", {"r1", "r2"}),
                Leave("r2", {"r1"}), Leave("r1", {"w2"})}},
        Script{"MultiKeyWaitsForEveryKey",
               {Exclusive("a", {"x"}, {"a"}), Exclusive("b", {"y"}, {"a", "b"}),
                Shared("m", {"x", "y", "z"}, {"a", "b"}),
                Exclusive("c", {"z"}, {"a", "b"}),  // behind m on z
                Exclusive("d", {"w"}, {"a", "b", "d"}), Leave("a", {"b", "d"}),
                Leave("b", {"d", "m"}), Leave("m", {"c", "d"})}},
        Script{"MultiKeyEntriesInOppositeOrderDoNotDeadlock",
               {Exclusive("a", {"x", "y"}, {"a"}), Exclusive("b", {"y", "x"}, {"a"}),
                Shared("r", {"x"}, {"a"}), Leave("a", {"b"}), Leave("b", {"r"})}},
        Script{
            "ARepeatedKeyCountsOnce",
            {Exclusive("a", {"x", "x"}, {"a"}), Exclusive("b", {"x"}, {"a"}), Leave("a", {"b"})}},
        Script{"BarrierWaitsForEarlierEntriesAndHoldsLaterOnes",
               {Exclusive("a", {"x"}, {"a"}), Shared("b", {"y"}, {"a", "b"}),
                Barrier("flush", {"a", "b"}), Exclusive("c", {"z"}, {"a", "b"}), Leave("a", {"b"}),
                Leave("b", {"flush"}), Leave("flush", {"c"})}},
        Script{"BarrierWaitsForQueuedEntriesToo",
               {Exclusive("a", {"x"}, {"a"}), Exclusive("b", {"x"}, {"a"}), Barrier("flush", {"a"}),
                Leave("a", {"b"}), Leave("b", {"flush"})}},
        Script{"BarrierWithNothingInFlightRunsAtOnce",
               {Barrier("flush", {"flush"}), Leave("flush", {}), Exclusive("a", {"x"}, {"a"})}},
        Script{"HeldEntriesKeepTheirOrderBehindABarrier",
               {Barrier("flush", {"flush"}), Exclusive("a", {"x"}, {"flush"}),
                Exclusive("b", {"x"}, {"flush"}), Exclusive("c", {"y"}, {"flush"}),
                Leave("flush", {"a", "c"}), Leave("a", {"b", "c"})}},
        Script{"ASecondBarrierWaitsForWhatTheFirstHeld",
               {Barrier("f1", {"f1"}), Exclusive("a", {"x"}, {"f1"}), Barrier("f2", {"f1"}),
                Exclusive("b", {"y"}, {"f1"}), Leave("f1", {"a"}), Leave("a", {"f2"}),
                Leave("f2", {"b"})}},
        Script{"BackToBackBarriers",
               {Exclusive("a", {"x"}, {"a"}), Barrier("f1", {"a"}), Barrier("f2", {"a"}),
                Leave("a", {"f1"}), Leave("f1", {"f2"}), Leave("f2", {})}}),
    [](const ::testing::TestParamInfo<Script>& info) { return info.param.name; });

// A task that leaves at once runs the next entry on its key after it returns,
// on the same thread, not nested inside it.
TEST(KeyGateTest, InlineLeavesDoNotNest) {
  KeyGate gate;
  const std::string_view key[] = {"x"};
  int depth = 0;
  int max_depth = 0;
  KeyGate::Ticket first;
  gate.Enter(key, Mode::kExclusive, [&](KeyGate::Ticket ticket) { first = ticket; });
  int ran = 0;
  for (int i = 0; i < 1000; ++i) {
    gate.Enter(key, Mode::kExclusive, [&](KeyGate::Ticket ticket) {
      ++depth;
      max_depth = std::max(max_depth, depth);
      ++ran;
      gate.Leave(ticket);
      --depth;
    });
  }
  EXPECT_EQ(ran, 0);
  gate.Leave(first);
  EXPECT_EQ(ran, 1000);
  EXPECT_EQ(max_depth, 1);
}

// Threads entering and leaving from every side: no two exclusive entries on
// one key ever overlap, and nothing runs beside a barrier.
TEST(KeyGateTest, ExclusionAndBarrierHoldUnderContention) {
  KeyGate gate(8);
  constexpr int kKeys = 4;
  std::atomic<int> on_key[kKeys] = {};
  std::atomic<int> in_flight{0};
  std::atomic<int> barriers{0};
  std::atomic<int> violations{0};
  std::atomic<int> finished{0};
  const std::string names[kKeys] = {"k0", "k1", "k2", "k3"};
  constexpr int kThreads = 4;
  constexpr int kOps = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        if ((i + t) % 200 == 0) {
          gate.EnterBarrier([&](KeyGate::Ticket ticket) {
            if (in_flight.load() != 0 || barriers.fetch_add(1) != 0) violations.fetch_add(1);
            barriers.fetch_sub(1);
            finished.fetch_add(1);
            gate.Leave(ticket);
          });
          continue;
        }
        const int k = (i * 7 + t) % kKeys;
        const std::string_view keys[] = {names[k]};
        gate.Enter(keys, Mode::kExclusive, [&, k](KeyGate::Ticket ticket) {
          in_flight.fetch_add(1);
          if (barriers.load() != 0 || on_key[k].fetch_add(1) != 0) violations.fetch_add(1);
          on_key[k].fetch_sub(1);
          in_flight.fetch_sub(1);
          finished.fetch_add(1);
          gate.Leave(ticket);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(finished.load(), kThreads * kOps);
}

}  // namespace
}  // namespace memgate::backends
