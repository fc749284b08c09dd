// The client sequence through spymemcached (Debian's libspymemcached-java):
// one line per step, exit 1 on the first wrong result.
//   java ClientSequence HOST:PORT [STEP...]   STEPs are the ones this backend refuses.

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.MemcachedClient;

public final class ClientSequence {
  private static final String P = "java_";
  private static MemcachedClient mc;

  private static void fail(String step, String why) {
    System.out.println("FAIL " + step + ": " + why);
    System.exit(1);
  }

  private static void ok(String step, String detail) {
    System.out.println("ok " + step + ": " + detail);
  }

  private static boolean done(Future<Boolean> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static void expect(String step, String what, Object got, Object want) {
    if (!Objects.equals(got, want)) fail(step, what + " = " + got + ", want " + want);
  }

  private static void expectValue(String step, String key, String want) {
    expect(step, "get " + key, mc.get(P + key), want);
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ClientSequence HOST:PORT [REFUSED_STEP...]");
      System.exit(2);
    }
    List<String> refused = Arrays.asList(args).subList(1, args.length);
    mc = new MemcachedClient(AddrUtil.getAddresses(args[0]));

    expect("set", "set k1", done(mc.set(P + "k1", 0, "hello")), true);
    expect("set", "set k2", done(mc.set(P + "k2", 0, "world")), true);
    ok("set", "k1 k2 stored");

    expectValue("get", "k1", "hello");
    expectValue("get", "missing", null);
    ok("get", "k1 = hello, missing is a miss");

    Map<String, Object> many = new TreeMap<>(mc.getBulk(P + "k1", P + "k2", P + "missing"));
    expect("multi-get", "get k1 k2 missing", many.toString(),
        "{" + P + "k1=hello, " + P + "k2=world}");
    ok("multi-get", "k1 k2 found, missing left out");

    expect("add", "new key", done(mc.add(P + "k3", 0, "new")), true);
    expect("add", "existing key", done(mc.add(P + "k1", 0, "other")), false);
    ok("add", "new key stored, existing key not stored");

    expect("replace", "existing key", done(mc.replace(P + "k1", 0, "hi")), true);
    expect("replace", "missing key", done(mc.replace(P + "missing", 0, "x")), false);
    expectValue("replace", "k1", "hi");
    ok("replace", "existing key replaced, missing key not stored");

    expect("append", "k1", done(mc.append(P + "k1", "!!")), true);
    expect("append", "missing key", done(mc.append(P + "missing", "x")), false);
    expectValue("append", "k1", "hi!!");
    ok("append", "k1 = hi!!, missing key not stored");

    expect("delete", "k3", done(mc.delete(P + "k3")), true);
    expect("delete", "k3 again", done(mc.delete(P + "k3")), false);
    expectValue("delete", "k3", null);
    ok("delete", "k3 deleted, then not found");

    expect("incr", "set n", done(mc.set(P + "n", 0, "10")), true);
    expect("incr", "n + 5", mc.incr(P + "n", 5), 15L);
    expect("incr", "n - 3", mc.decr(P + "n", 3), 12L);
    expect("incr", "missing key + 1", mc.incr(P + "missing", 1), -1L);
    ok("incr", "10 + 5 = 15, 15 - 3 = 12, missing key not found");

    CASValue<Object> held = mc.gets(P + "k1");
    if (held == null) fail("cas", "gets k1 found nothing");
    expect("cas", "gets k1", held.getValue(), "hi!!");
    expect("cas", "fresh token", mc.cas(P + "k1", held.getCas(), "v2"), CASResponse.OK);
    expect("cas", "stale token", mc.cas(P + "k1", held.getCas(), "v3"), CASResponse.EXISTS);
    expectValue("cas", "k1", "v2");
    ok("cas", "fresh token stored, stale token refused (EXISTS)");

    expect("touch", "k1", done(mc.touch(P + "k1", 100)), true);
    expect("touch", "missing key", done(mc.touch(P + "missing", 100)), false);
    ok("touch", "k1 touched, missing key not found");

    if (refused.contains("flush")) {
      boolean flushed;
      String why;
      try {
        flushed = done(mc.flush());
        why = "false";
      } catch (ExecutionException e) {
        flushed = false;
        why = e.getCause().toString();
      }
      if (flushed) fail("flush", "flush_all succeeded on a backend that refuses it");
      ok("flush", "refused as this backend does: " + why);
    } else {
      expect("flush", "flush_all", done(mc.flush()), true);
      expectValue("flush", "k1", null);
      ok("flush", "k1 gone");
    }

    Map<SocketAddress, String> versions = mc.getVersions();
    String version = versions.size() == 1 ? versions.values().iterator().next() : null;
    if (version == null || !version.matches("1\\.6\\.\\d+")) {
      fail("version", "versions " + versions + ", want 1.6.N");
    }
    ok("version", version);
    mc.shutdown(5, TimeUnit.SECONDS);
  }
}
