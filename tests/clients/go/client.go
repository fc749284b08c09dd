// The client sequence through gomemcache (Debian's golang-github-bradfitz-
// gomemcache-dev): one line per step, exit 1 on the first wrong result.
//
//	client HOST:PORT [STEP...]   STEPs are the ones this backend refuses.
package main

import (
	"fmt"
	"os"

	"github.com/bradfitz/gomemcache/memcache"
)

const prefix = "go_"

var refused = map[string]bool{}

func fail(step, format string, args ...interface{}) {
	fmt.Printf("FAIL %s: %s\n", step, fmt.Sprintf(format, args...))
	os.Exit(1)
}

func ok(step, detail string) { fmt.Printf("ok %s: %s\n", step, detail) }

func value(mc *memcache.Client, step, key string) string {
	it, err := mc.Get(prefix + key)
	if err != nil {
		fail(step, "get %s: %v", key, err)
	}
	return string(it.Value)
}

func expectMiss(mc *memcache.Client, step, key string) {
	if _, err := mc.Get(prefix + key); err != memcache.ErrCacheMiss {
		fail(step, "get %s: want a miss, got %v", key, err)
	}
}

func item(key, v string) *memcache.Item {
	return &memcache.Item{Key: prefix + key, Value: []byte(v)}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: client HOST:PORT [REFUSED_STEP...]")
		os.Exit(2)
	}
	for _, step := range os.Args[2:] {
		refused[step] = true
	}
	mc := memcache.New(os.Args[1])

	if err := mc.Set(item("k1", "hello")); err != nil {
		fail("set", "%v", err)
	}
	if err := mc.Set(item("k2", "world")); err != nil {
		fail("set", "%v", err)
	}
	ok("set", "k1 k2 stored")

	if v := value(mc, "get", "k1"); v != "hello" {
		fail("get", "k1 = %q, want hello", v)
	}
	expectMiss(mc, "get", "missing")
	ok("get", "k1 = hello, missing is a miss")

	items, err := mc.GetMulti([]string{prefix + "k1", prefix + "k2", prefix + "missing"})
	if err != nil {
		fail("multi-get", "%v", err)
	}
	if len(items) != 2 || string(items[prefix+"k1"].Value) != "hello" ||
		string(items[prefix+"k2"].Value) != "world" {
		fail("multi-get", "got %d items, want k1=hello k2=world", len(items))
	}
	ok("multi-get", "k1 k2 found, missing left out")

	if err := mc.Add(item("k3", "new")); err != nil {
		fail("add", "new key: %v", err)
	}
	if err := mc.Add(item("k1", "other")); err != memcache.ErrNotStored {
		fail("add", "existing key: want ErrNotStored, got %v", err)
	}
	ok("add", "new key stored, existing key not stored")

	if err := mc.Replace(item("k1", "hi")); err != nil {
		fail("replace", "existing key: %v", err)
	}
	if err := mc.Replace(item("missing", "x")); err != memcache.ErrNotStored {
		fail("replace", "missing key: want ErrNotStored, got %v", err)
	}
	if v := value(mc, "replace", "k1"); v != "hi" {
		fail("replace", "k1 = %q, want hi", v)
	}
	ok("replace", "existing key replaced, missing key not stored")

	fmt.Println("skip append: gomemcache 0.0~git20141109 has no Append")

	if err := mc.Delete(prefix + "k3"); err != nil {
		fail("delete", "%v", err)
	}
	if err := mc.Delete(prefix + "k3"); err != memcache.ErrCacheMiss {
		fail("delete", "again: want ErrCacheMiss, got %v", err)
	}
	expectMiss(mc, "delete", "k3")
	ok("delete", "k3 deleted, then not found")

	if err := mc.Set(item("n", "10")); err != nil {
		fail("incr", "set n: %v", err)
	}
	if n, err := mc.Increment(prefix+"n", 5); err != nil || n != 15 {
		fail("incr", "n + 5 = %d (%v), want 15", n, err)
	}
	if n, err := mc.Decrement(prefix+"n", 3); err != nil || n != 12 {
		fail("incr", "n - 3 = %d (%v), want 12", n, err)
	}
	if _, err := mc.Increment(prefix+"missing", 1); err != memcache.ErrCacheMiss {
		fail("incr", "missing key: want ErrCacheMiss, got %v", err)
	}
	ok("incr", "10 + 5 = 15, 15 - 3 = 12, missing key not found")

	held, err := mc.Get(prefix + "k1")
	if err != nil {
		fail("cas", "gets k1: %v", err)
	}
	stale := *held
	held.Value = []byte("v2")
	if err := mc.CompareAndSwap(held); err != nil {
		fail("cas", "fresh token: %v", err)
	}
	stale.Value = []byte("v3")
	if err := mc.CompareAndSwap(&stale); err != memcache.ErrCASConflict {
		fail("cas", "stale token: want ErrCASConflict, got %v", err)
	}
	if v := value(mc, "cas", "k1"); v != "v2" {
		fail("cas", "k1 = %q, want v2", v)
	}
	ok("cas", "fresh token stored, stale token refused (EXISTS)")

	if err := mc.Touch(prefix+"k1", 100); err != nil {
		fail("touch", "k1: %v", err)
	}
	if err := mc.Touch(prefix+"missing", 100); err != memcache.ErrCacheMiss {
		fail("touch", "missing key: want ErrCacheMiss, got %v", err)
	}
	ok("touch", "k1 touched, missing key not found")

	if refused["flush"] {
		if err := mc.FlushAll(); err == nil {
			fail("flush", "flush_all succeeded on a backend that refuses it")
		} else {
			ok("flush", fmt.Sprintf("refused as this backend does: %v", err))
		}
	} else {
		if err := mc.FlushAll(); err != nil {
			fail("flush", "%v", err)
		}
		expectMiss(mc, "flush", "k1")
		ok("flush", "k1 gone")
	}

	fmt.Println("skip version: gomemcache 0.0~git20141109 has no Version")
}
